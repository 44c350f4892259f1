// A verb's words against its ArgSpec (ParseArgs, CLI11 underneath): where
// options may stand, how values are written, strict numbers, and each
// usage error's message.
#include "cli/args.h"

#include <gtest/gtest.h>

namespace switchyard::ctl {
namespace {

using Kind = OptionSpec::Kind;

// Like `fdb add NETWORK MAC [PORT] ...`, with one option of every kind.
const ArgSpec kSpec{{"NETWORK", "MAC"},
                    {{"--port"},
                     {"--vlan", Kind::kU32},
                     {"--count", Kind::kU32, false, /*min=*/1},
                     {"--remote", Kind::kString, /*repeatable=*/true},
                     {"--static", Kind::kFlag},
                     {"-f"}},
                    {"PORT"}};

// The parse of `words`, or the usage error as the only positional.
ParsedArgs Parse(const std::vector<std::string>& words, std::string* error) {
  ParsedArgs args;
  *error = ParseArgs(words, kSpec, &args);
  return args;
}

std::string Error(const std::vector<std::string>& words) {
  ParsedArgs args;
  return ParseArgs(words, kSpec, &args);
}

TEST(ArgsTest, OptionsBeforeBetweenAndAfterPositionals) {
  for (const auto& words : std::vector<std::vector<std::string>>{
           {"--port", "p1", "--static", "lan0", "02:00:00:00:00:01"},
           {"lan0", "--port", "p1", "02:00:00:00:00:01", "--static"},
           {"lan0", "02:00:00:00:00:01", "--static", "--port", "p1"}}) {
    std::string error;
    ParsedArgs args = Parse(words, &error);
    ASSERT_EQ(error, "") << words[0];
    ASSERT_EQ(args.positional_count(), 2u);
    EXPECT_EQ(args.positional(0), "lan0");
    EXPECT_EQ(args.positional(1), "02:00:00:00:00:01");
    EXPECT_EQ(args.String("--port"), "p1");
    EXPECT_TRUE(args.Has("--static"));
    EXPECT_FALSE(args.Has("--vlan"));
    EXPECT_EQ(args.String("--vlan"), std::nullopt);
  }
}

TEST(ArgsTest, OptionalPositionalsMayBeLeftOutFromTheEnd) {
  std::string error;
  ParsedArgs args = Parse({"lan0", "m", "p"}, &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(args.positional_count(), 3u);
  EXPECT_EQ(args.positional(2), "p");
  args = Parse({"lan0", "m"}, &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(args.positional_count(), 2u);
}

TEST(ArgsTest, ValueAfterAnEqualsSign) {
  std::string error;
  ParsedArgs args = Parse({"lan0", "m", "--port=p1", "--vlan=20", "--remote=a=b"}, &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(args.String("--port"), "p1");
  EXPECT_EQ(args.U32("--vlan"), 20u);
  EXPECT_EQ(args.All("--remote"), std::vector<std::string>{"a=b"});
}

TEST(ArgsTest, NothingAfterTheEqualsSignIsAnEmptyValue) {
  // As getopt_long reads it: the next word stays a positional.
  std::string error;
  ParsedArgs args = Parse({"lan0", "--port=", "m"}, &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(args.String("--port"), "");
  EXPECT_EQ(args.positional(1), "m");
  EXPECT_EQ(Error({"lan0", "m", "--vlan="}),
            "--vlan: '' is not a whole number from 0 to 4294967295");
}

TEST(ArgsTest, AnEmptyWordIsAValue) {
  std::string error;
  ParsedArgs args = Parse({"lan0", "m", "--port", ""}, &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(args.String("--port"), "");
  args = Parse({"", "m"}, &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(args.positional(0), "");
}

TEST(ArgsTest, DoubleDashEndsOptions) {
  std::string error;
  ParsedArgs args = Parse({"--static", "--", "--lan", "-m", "--port"}, &error);
  ASSERT_EQ(error, "");
  ASSERT_EQ(args.positional_count(), 3u);
  EXPECT_EQ(args.positional(0), "--lan");
  EXPECT_EQ(args.positional(1), "-m");
  EXPECT_EQ(args.positional(2), "--port");
  EXPECT_TRUE(args.Has("--static"));
  EXPECT_FALSE(args.Has("--port"));
  // After `--` an extra word is an argument, even one that looks like an option.
  EXPECT_EQ(Error({"a", "--", "b", "c", "--vlan"}), "unexpected argument '--vlan'");
  EXPECT_EQ(Error({"a", "b", "--", "--", "c", "--x"}), "unexpected argument 'c'");
}

TEST(ArgsTest, AValueIsTheNextWordWhateverItLooksLike) {
  std::string error;
  ParsedArgs args =
      Parse({"lan0", "m", "--port", "--static", "--remote", "--", "--remote", "-"}, &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(args.String("--port"), "--static");
  EXPECT_FALSE(args.Has("--static"));
  EXPECT_EQ(args.All("--remote"), (std::vector<std::string>{"--", "-"}));
}

TEST(ArgsTest, ValuesAreTakenLiterally) {
  // CLI11 splits "[a,b]" into two values where an option allows several.
  std::string error;
  ParsedArgs args = Parse({"[fe80::1]", "a,b", "--remote", "[x,y]", "--port", "[p]"}, &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(args.positional(0), "[fe80::1]");
  EXPECT_EQ(args.positional(1), "a,b");
  EXPECT_EQ(args.All("--remote"), std::vector<std::string>{"[x,y]"});
  EXPECT_EQ(args.String("--port"), "[p]");
}

TEST(ArgsTest, RepeatableOptionsKeepEveryValueInOrder) {
  std::string error;
  ParsedArgs args = Parse({"--remote", "b", "lan0", "--remote=a", "m", "--remote", "c"}, &error);
  ASSERT_EQ(error, "");
  EXPECT_EQ(args.All("--remote"), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(args.All("--port"), std::vector<std::string>{});
}

TEST(ArgsTest, OtherOptionsOnlyOnce) {
  EXPECT_EQ(Error({"a", "b", "--port", "p", "--port=q"}), "--port given twice");
  EXPECT_EQ(Error({"a", "b", "--vlan", "1", "--vlan", "1"}), "--vlan given twice");
  EXPECT_EQ(Error({"a", "b", "--static", "--static"}), "--static given twice");
  EXPECT_EQ(Error({"a", "b", "-f", "x", "-f", "y"}), "-f given twice");
}

TEST(ArgsTest, AFlagTakesNoValue) {
  EXPECT_EQ(Error({"a", "b", "--static=yes"}), "--static takes no value");
  EXPECT_EQ(Error({"a", "b", "--static=false"}), "--static takes no value");
  EXPECT_EQ(Error({"a", "b", "--static=0"}), "--static takes no value");
}

TEST(ArgsTest, AnOptionAtTheEndMissesItsValue) {
  EXPECT_EQ(Error({"a", "b", "--port"}), "--port: missing value");
  EXPECT_EQ(Error({"a", "b", "--vlan"}), "--vlan: missing value");
  EXPECT_EQ(Error({"a", "b", "-f"}), "-f: missing value");
}

TEST(ArgsTest, NumbersAreWholeDecimalNumbers) {
  const std::vector<std::pair<std::string, uint32_t>> good = {
      {"0", 0}, {"7", 7}, {"010", 10}, {"00", 0}, {"4294967295", 4294967295u}};
  for (const auto& [text, n] : good) {
    std::string error;
    ParsedArgs args = Parse({"a", "b", "--vlan", text}, &error);
    ASSERT_EQ(error, "") << text;
    EXPECT_EQ(args.U32("--vlan"), n) << text;  // 010 is ten, not octal eight
  }
  for (const std::string bad : {"0x10", "0X1", "0b1", "+1", "-1", " 1", "1 ", "1.0", "1e3", "12k",
                                "4294967296", "99999999999999999999", ""}) {
    EXPECT_EQ(Error({"a", "b", "--vlan", bad}),
              "--vlan: '" + bad + "' is not a whole number from 0 to 4294967295")
        << bad;
  }
  EXPECT_EQ(Error({"a", "b", "--count", "0"}),
            "--count: '0' is not a whole number from 1 to 4294967295");
  std::string error;
  EXPECT_EQ(Parse({"a", "b", "--count=1"}, &error).U32("--count"), 1u);
  EXPECT_EQ(error, "");
}

TEST(ArgsTest, UnknownOptionsAreNamed) {
  EXPECT_EQ(Error({"a", "b", "--bogus"}), "unknown option --bogus");
  EXPECT_EQ(Error({"a", "--bogus=1", "b"}), "unknown option --bogus");
  EXPECT_EQ(Error({"a", "b", "-x"}), "unknown option -x");
  EXPECT_EQ(Error({"a", "b", "--por", "p"}), "unknown option --por");  // no abbreviations
  // Named before a missing argument, which the unknown option may have meant.
  EXPECT_EQ(Error({"--bogus"}), "unknown option --bogus");
}

TEST(ArgsTest, AGlobalOptionAfterTheVerbSaysWhereItGoes) {
  EXPECT_EQ(Error({"a", "b", "--json"}), "--json is a global option: put it before the verb");
  EXPECT_EQ(Error({"--socket=/s", "a", "b"}),
            "--socket is a global option: put it before the verb");
  EXPECT_EQ(Error({"a", "b", "--timeout", "5"}),
            "--timeout is a global option: put it before the verb");
}

TEST(ArgsTest, PositionalsAreCounted) {
  EXPECT_EQ(Error({}), "missing NETWORK");
  EXPECT_EQ(Error({"lan0", "--static"}), "missing MAC");
  EXPECT_EQ(Error({"a", "b", "c", "d"}), "unexpected argument 'd'");
  EXPECT_EQ(Error({"a", "b", "c", "d", "e"}), "unexpected argument 'd'");
}

TEST(ArgsTest, AOneLetterOptionTakesItsValueAfterASpaceOrJoined) {
  for (const auto& words : std::vector<std::vector<std::string>>{{"-f", "state.yaml", "a", "b"},
                                                                 {"a", "-fstate.yaml", "b"},
                                                                 {"a", "b", "-f=state.yaml"}}) {
    std::string error;
    ParsedArgs args = Parse(words, &error);
    ASSERT_EQ(error, "") << words[0];
    EXPECT_EQ(args.String("-f"), "state.yaml") << words[0];
  }
  std::string error;
  EXPECT_EQ(Parse({"a", "b", "-f", "-"}, &error).String("-f"), "-");  // standard input
  EXPECT_EQ(error, "");
}

TEST(ArgsTest, AVerbWithoutArguments) {
  ParsedArgs args;
  EXPECT_EQ(ParseArgs({}, ArgSpec{}, &args), "");
  EXPECT_EQ(args.positional_count(), 0u);
  EXPECT_EQ(ParseArgs({"x"}, ArgSpec{}, &args), "unexpected argument 'x'");
  EXPECT_EQ(ParseArgs({"--x"}, ArgSpec{}, &args), "unknown option --x");
}

TEST(ArgsTest, ParseU32AndU64AreStrict) {
  uint32_t n32 = 0;
  EXPECT_TRUE(ParseU32("4294967295", &n32));
  EXPECT_EQ(n32, 4294967295u);
  EXPECT_FALSE(ParseU32("4294967296", &n32));
  uint64_t n64 = 0;
  EXPECT_TRUE(ParseU64("18446744073709551615", &n64));
  EXPECT_EQ(n64, UINT64_MAX);
  EXPECT_TRUE(ParseU64("010", &n64));
  EXPECT_EQ(n64, 10u);
  for (const char* bad : {"", "18446744073709551616", "0x10", "+1", "-1", " 1", "1 "}) {
    EXPECT_FALSE(ParseU64(bad, &n64)) << bad;
  }
}

}  // namespace
}  // namespace switchyard::ctl
