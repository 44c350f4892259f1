// yardctl itself on usage errors, which it finds before it connects to
// anything: exit status 2, the reason, and the synopsis of the verb; --help
// anywhere before `--` exits 0.
#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/wait.h>

#include <string>
#include <vector>

namespace {

struct Outcome {
  int status = -1;
  std::string output;  // stdout and stderr
};

Outcome Yardctl(const std::vector<std::string>& args) {
  // A socket nobody serves: a verb that gets past parsing fails with 1.
  std::string command = "YARD_SOCKET=/nonexistent/sw.sock '" SY_YARDCTL "'";
  for (const std::string& arg : args) {
    command += " '" + arg + "'";  // the arguments below have no quotes
  }
  Outcome run;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return run;
  }
  char buffer[4096];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    run.output.append(buffer, n);
  }
  const int status = pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

TEST(YardctlUsageTest, UsageErrorsExitTwoWithTheReasonAndTheSynopsis) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"network", "create"},
       "yardctl: network create: missing NAME\n"
       "usage: yardctl [OPTIONS] network create NAME"},
      {{"network", "create", "lan0", "--fdb-max", "12k"},
       "yardctl: network create: --fdb-max: '12k' is not a whole number from 0 to 4294967295\n"
       "usage: yardctl [OPTIONS] network create NAME"},
      {{"network", "create", "lan0", "--fdb-max", "0x10"}, "'0x10' is not a whole number"},
      {{"network", "list", "--json"},
       "yardctl: network list: --json is a global option: put it before the verb\n"},
      {{"network", "leases", "a", "x"}, "yardctl: network leases: unexpected argument 'x'\n"},
      {{"fdb", "flush", "lan0", "--port"}, "yardctl: fdb flush: --port: missing value\n"},
      {{"fdb", "show", "lan0", "--bogus"}, "yardctl: fdb show: unknown option --bogus\n"},
      {{"fdb", "flush", "lan0", "--include-static=1"}, "--include-static takes no value\n"},
      {{"fdb", "flush", "lan0", "--port", "a", "--port", "b"}, "--port given twice\n"},
      {{"apply"},
       "yardctl: apply: missing -f FILE (or -f - for standard input)\n"
       "usage: yardctl [OPTIONS] apply -f FILE|-"},
      {{"apply", "-f"}, "yardctl: apply: -f: missing value\n"},
      {{"--timeout", "0", "health"}, "yardctl: --timeout: '0' is not a whole number from 1"},
      {{"--bogus", "health"},
       "yardctl: unknown option --bogus\n"
       "usage: yardctl [OPTIONS] VERB [ARGS]"},
      {{"--server", "h:1", "health"}, "--server needs --tls-ca FILE (TLS) or --insecure"},
      {{"frobnicate"}, "yardctl: unknown verb 'frobnicate'\n"},
      {{"network", "frobnicate"},
       "yardctl: network: unknown verb 'frobnicate'\n"
       "usage: yardctl [OPTIONS] network create"},
      {{}, "yardctl: missing verb\n"},
  };
  for (const auto& [args, text] : cases) {
    const Outcome run = Yardctl(args);
    EXPECT_EQ(run.status, 2) << run.output;
    EXPECT_NE(run.output.find(text), std::string::npos) << text << "\nin:\n" << run.output;
  }
}

TEST(YardctlUsageTest, HelpAnywhereExitsZero) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-h"}, {"--help"}, {"port", "add", "--help"}, {"--bogus", "-h"}}) {
    const Outcome run = Yardctl(args);
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("usage: yardctl [OPTIONS] VERB [ARGS]"), std::string::npos);
    EXPECT_NE(run.output.find("  --socket PATH        unix socket of switchyardd"),
              std::string::npos)
        << run.output;
  }
  // After `--`, --help is a word like any other.
  const Outcome run = Yardctl({"network", "show", "--", "--help"});
  EXPECT_EQ(run.status, 1) << run.output;  // parsed; the daemon is not there
  EXPECT_NE(run.output.find("UNAVAILABLE"), std::string::npos) << run.output;
}

TEST(YardctlUsageTest, AParsedVerbThatCannotConnectExitsOne) {
  const Outcome run = Yardctl({"network", "create", "lan0", "--fdb-max=010"});
  EXPECT_EQ(run.status, 1) << run.output;
  EXPECT_NE(run.output.find("/nonexistent/sw.sock"), std::string::npos) << run.output;
}

}  // namespace
