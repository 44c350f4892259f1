// yardctl's global options (ParseGlobalOptions, CLI11 underneath): they
// stop at the verb, are checked as a verb's options are, and --help lists
// them from their declarations.
#include "cli/options.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace switchyard::ctl {
namespace {

class GlobalOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("YARD_SOCKET");
    unsetenv("YARD_KVMD_SOCKET");
  }

  // The reason ParseGlobalOptions gives for `words`; "" on success, with
  // options_ and verb_index_ set.
  std::string Parse(const std::vector<std::string>& words) {
    verb_index_ = 99;
    return ParseGlobalOptions(words, &verb_index_, &options_);
  }

  GlobalOptions options_;
  size_t verb_index_ = 0;
};

TEST_F(GlobalOptionsTest, DefaultsWithoutOptions) {
  ASSERT_EQ(Parse({"network", "list"}), "");
  EXPECT_EQ(verb_index_, 0u);
  EXPECT_EQ(options_.socket, kDefaultSocket);
  EXPECT_EQ(options_.kvmd_socket, kDefaultKvmdSocket);
  EXPECT_EQ(options_.timeout_seconds, kDefaultTimeoutSeconds);
  EXPECT_FALSE(options_.json);
  ASSERT_EQ(Parse({}), "");  // main.cc reports the missing verb
  EXPECT_EQ(verb_index_, 0u);
}

TEST_F(GlobalOptionsTest, TheEnvironmentGivesTheDefaultSockets) {
  setenv("YARD_SOCKET", "/env/sw.sock", 1);
  setenv("YARD_KVMD_SOCKET", "/env/kvmd.sock", 1);
  ASSERT_EQ(Parse({"health"}), "");
  EXPECT_EQ(options_.socket, "/env/sw.sock");
  EXPECT_EQ(options_.kvmd_socket, "/env/kvmd.sock");
  ASSERT_EQ(Parse({"--socket", "/s", "health"}), "");
  EXPECT_EQ(options_.socket, "/s");
}

TEST_F(GlobalOptionsTest, OptionsStopAtTheVerb) {
  ASSERT_EQ(Parse({"--socket", "/s", "--json", "--timeout=5", "network", "list", "--json",
                   "--timeout", "x", "--bogus"}),
            "");
  EXPECT_EQ(verb_index_, 4u);
  EXPECT_EQ(options_.socket, "/s");
  EXPECT_TRUE(options_.json);
  EXPECT_EQ(options_.timeout_seconds, 5u);
  // The verb's own `--opt=` words are not the global parser's.
  ASSERT_EQ(Parse({"--kvmd-socket=/k", "vm", "list", "--socket="}), "");
  EXPECT_EQ(verb_index_, 1u);
  EXPECT_EQ(options_.kvmd_socket, "/k");
}

TEST_F(GlobalOptionsTest, AValueMayLookLikeTheVerbOrAnOption) {
  ASSERT_EQ(Parse({"--socket", "network", "--kvmd-socket", "--json", "health"}), "");
  EXPECT_EQ(verb_index_, 4u);
  EXPECT_EQ(options_.socket, "network");
  EXPECT_EQ(options_.kvmd_socket, "--json");
  EXPECT_FALSE(options_.json);
}

TEST_F(GlobalOptionsTest, ARepeatedOptionTakesItsLastValue) {
  ASSERT_EQ(Parse({"--socket", "/a", "--socket=/b", "--json", "--json", "health"}), "");
  EXPECT_EQ(options_.socket, "/b");
  EXPECT_TRUE(options_.json);
}

TEST_F(GlobalOptionsTest, TimeoutIsAWholeNumberFromOne) {
  ASSERT_EQ(Parse({"--timeout", "010", "health"}), "");
  EXPECT_EQ(options_.timeout_seconds, 10u);  // not octal eight
  ASSERT_EQ(Parse({"--timeout", "4294967295", "health"}), "");
  EXPECT_EQ(options_.timeout_seconds, 4294967295u);
  for (const std::string bad : {"0", "0x10", "+5", "-5", "5s", " 5", "4294967296", "1e3"}) {
    EXPECT_EQ(Parse({"--timeout", bad, "health"}),
              "--timeout: '" + bad + "' is not a whole number from 1 to 4294967295")
        << bad;
  }
}

TEST_F(GlobalOptionsTest, ValuesMayNotBeEmpty) {
  EXPECT_EQ(Parse({"--socket", "", "health"}), "--socket: empty value");
  EXPECT_EQ(Parse({"--socket=", "health"}), "--socket: empty value");
  EXPECT_EQ(Parse({"--server=", "--insecure", "health"}), "--server: empty value");
}

TEST_F(GlobalOptionsTest, UsageErrors) {
  EXPECT_EQ(Parse({"--bogus", "health"}), "unknown option --bogus");
  EXPECT_EQ(Parse({"--json", "--bogus=1", "health"}), "unknown option --bogus");
  EXPECT_EQ(Parse({"--fdb-max", "5", "network", "create", "x"}), "unknown option --fdb-max");
  EXPECT_EQ(Parse({"--", "health"}), "unknown option --");
  EXPECT_EQ(Parse({"--help", "health"}), "unknown option --help");  // main.cc answers it first
  EXPECT_EQ(Parse({"--json=yes", "health"}), "--json takes no value");
  EXPECT_EQ(Parse({"--insecure=", "health"}), "--insecure needs --server");  // "": no value
  EXPECT_EQ(Parse({"--socket"}), "--socket: missing value");
  EXPECT_EQ(Parse({"health", "--socket"}), "");  // the verb's words are the verb's
}

TEST_F(GlobalOptionsTest, TransportCombinations) {
  ASSERT_EQ(Parse({"--server", "h:1", "--insecure", "health"}), "");
  EXPECT_EQ(options_.server, "h:1");
  EXPECT_TRUE(options_.insecure);
  ASSERT_EQ(Parse({"--server", "h:1", "--tls-ca", "ca", "--tls-cert", "c", "--tls-key", "k", "x"}),
            "");
  EXPECT_EQ(options_.tls_key, "k");
  EXPECT_EQ(Parse({"--server", "h:1", "health"}),
            "--server needs --tls-ca FILE (TLS) or --insecure (plain TCP)");
  EXPECT_EQ(Parse({"--socket", "/s", "--server", "h:1", "--insecure", "health"}),
            "--socket and --server exclude each other");
  EXPECT_EQ(Parse({"--insecure", "health"}), "--insecure needs --server");
  EXPECT_EQ(Parse({"--tls-ca", "ca", "health"}), "--tls-ca needs --server");
  EXPECT_EQ(Parse({"--server", "h:1", "--insecure", "--tls-ca", "ca", "health"}),
            "--insecure and --tls-ca exclude each other");
  EXPECT_EQ(Parse({"--server", "h:1", "--tls-ca", "ca", "--tls-cert", "c", "health"}),
            "--tls-cert and --tls-key go together");
}

TEST(GlobalOptionNamesTest, KnownByName) {
  for (const char* name : {"--socket", "--kvmd-socket", "--server", "--tls-ca", "--tls-cert",
                           "--tls-key", "--insecure", "--json", "--timeout"}) {
    EXPECT_TRUE(IsGlobalOption(name)) << name;
  }
  for (const char* name : {"--port", "--help", "-h", "socket", "--", "-", ""}) {
    EXPECT_FALSE(IsGlobalOption(name)) << name;
  }
}

TEST(GlobalOptionNamesTest, HelpListsEveryOptionWithItsValue) {
  const std::string help = GlobalOptionsHelp();
  EXPECT_EQ(help.rfind("options (before the verb):\n", 0), 0u) << help;
  for (const char* line :
       {"\n  --socket PATH        unix socket of switchyardd (default: $YARD_SOCKET, else\n"
        "                       /run/switchyard/switchyard.sock)\n",
        "\n  --kvmd-socket PATH   unix socket of yard-kvmd",
        "\n  --server HOST:PORT   reach switchyardd over TCP", "\n  --tls-ca FILE        PEM CA",
        "\n  --tls-cert FILE      PEM client certificate",
        "\n  --tls-key FILE       PEM private key", "\n  --insecure           plain TCP, no TLS\n",
        "\n  --json               print each response as one line of JSON\n",
        "\n  --timeout SECONDS    deadline of each call",
        "\n  -h, --help           print this help\n"}) {
    EXPECT_NE(help.find(line), std::string::npos) << line << "\nin:\n" << help;
  }
}

}  // namespace
}  // namespace switchyard::ctl
