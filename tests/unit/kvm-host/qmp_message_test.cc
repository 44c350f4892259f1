#include "kvm-host/qemu/qmp_message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace switchyard::kvm {
namespace {

QmpJson MustParse(const std::string& text) {
  QmpJson v;
  std::string error;
  EXPECT_TRUE(ParseQmp(text, &v, &error)) << text << ": " << error;
  return v;
}

TEST(QmpMessageTest, ParsesAndKeepsMemberOrder) {
  QmpJson v = MustParse(
      R"({"return": {"status": "running", "running": true, "list": [1, [2, {"x": null}], "s"]},)"
      R"( "id": 7, "dup": 1, "dup": 2})");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.size(), 3u);  // "dup" once
  EXPECT_EQ(v.begin().key(), "return");
  EXPECT_EQ(QmpString(*QmpMember(v, "return"), "status"), "running");
  EXPECT_EQ(*QmpMember(v, "dup"), 2);  // the last one wins
  // QEMU's member order, not sorted.
  EXPECT_EQ(DumpQmp(v),
            R"({"return":{"status":"running","running":true,"list":[1,[2,{"x":null}],"s"]},)"
            R"("id":7,"dup":2})");
  EXPECT_EQ(DumpQmp(MustParse(" \t\r\n[ ] ")), "[]");
  EXPECT_EQ(DumpQmp(MustParse("{ }")), "{}");
  // 64-bit ids stay exact.
  EXPECT_EQ(MustParse("18446744073709551615").get<uint64_t>(), UINT64_MAX);
  EXPECT_TRUE(MustParse("7").is_number_unsigned());
  EXPECT_FALSE(MustParse("-7").is_number_unsigned());
  EXPECT_FALSE(MustParse("7.0").is_number_unsigned());
}

TEST(QmpMessageTest, StringEscapesBecomeUtf8) {
  EXPECT_EQ(MustParse(R"("a\"b\\c\/d")"), "a\"b\\c/d");
  EXPECT_EQ(MustParse(R"("\b\f\n\r\t")"), "\b\f\n\r\t");
  EXPECT_EQ(MustParse(R"("\u0041\u00e9\u20AC")"), "A\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(MustParse(R"("\u0000")"), std::string(1, '\0'));
  EXPECT_EQ(MustParse(R"("\ud83d\ude00")"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(MustParse("\"\xc3\xa9\""), "\xc3\xa9");
}

TEST(QmpMessageTest, LookupsAreSafeOnAnyValue) {
  const QmpJson v = MustParse(R"({"id": "text", "error": {"desc": 5}, "list": [1]})");
  EXPECT_EQ(QmpMember(v, "nope"), nullptr);
  EXPECT_EQ(QmpString(v, "id"), "text");
  EXPECT_EQ(QmpString(v, "list"), "");                        // not a string
  EXPECT_EQ(QmpString(*QmpMember(v, "error"), "desc"), "");   // not a string
  EXPECT_EQ(QmpMember(*QmpMember(v, "list"), "x"), nullptr);  // not an object
  EXPECT_EQ(QmpMember(QmpJson(), "x"), nullptr);
  EXPECT_EQ(QmpString(QmpJson("s"), "x"), "");
}

TEST(QmpMessageTest, DumpIsOneLineAndNeverThrows) {
  const std::string nasty = std::string("q\"b\\s/n\nr\rt\tc\x01\x1f") + '\0' + "\xc3\xa9";
  QmpJson v = QmpJson::object();
  v["k\"ey"] = nasty;
  const std::string text = DumpQmp(v);
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(QmpString(MustParse(text), "k\"ey"), nasty);
  // Bytes that are not UTF-8 (no QEMU sends them, a caller might) become
  // U+FFFD instead of an exception.
  EXPECT_EQ(DumpQmp(QmpJson("a\xff"
                            "b")),
            "\"a\xef\xbf\xbd"
            "b\"");
}

TEST(QmpMessageTest, MalformedInputIsAnErrorWithAnOffset) {
  const char* bad[] = {
      "",
      "   ",
      "{",
      "}",
      "[1,]",
      "[1 2]",
      "{\"a\":}",
      "{a:1}",
      "{\"a\" 1}",
      "{\"a\":1,}",
      "{,}",
      "{\"a\":1 \"b\":2}",
      "01",
      "1.",
      ".5",
      "-",
      "+1",
      "1e",
      "1e+",
      "--1",
      "0x10",
      "1e999",
      "tru",
      "nul",
      "falsey",
      "NaN",
      "Infinity",
      "'a'",
      "\"abc",
      "\"\\x\"",
      "\"\\u12\"",
      "\"\\u12G4\"",
      "\"\\ud83dx\"",  // a lone surrogate
      "\"\\",
      "\"a\nb\"",
      "\"\t\"",
      "\"\xff\"",  // not UTF-8
      "{} x",
      "[] []",
      "[\"a\" : 1]",
      "/* c */ 1",
      "\x01",
  };
  for (const char* text : bad) {
    QmpJson v = 1;
    std::string error;
    EXPECT_FALSE(ParseQmp(text, &v, &error)) << "accepted: " << text;
    EXPECT_TRUE(v.is_null()) << text;
    EXPECT_EQ(error.rfind("at byte ", 0), 0u) << text << ": " << error;
  }
  std::string error;
  QmpJson v;
  EXPECT_FALSE(ParseQmp(R"({"a": [1, 2,, 3]})", &v, &error));
  EXPECT_EQ(error.rfind("at byte 13: syntax error while parsing value", 0), 0u) << error;
  EXPECT_TRUE(ParseQmp("[1]", &v, nullptr));  // the error pointer may be null
  EXPECT_FALSE(ParseQmp("[1", &v, nullptr));
}

TEST(QmpMessageTest, DeepNestingIsAnErrorNotACrash) {
  const std::string ok = std::string(kMaxQmpDepth, '[') + std::string(kMaxQmpDepth, ']');
  QmpJson v;
  std::string error;
  EXPECT_TRUE(ParseQmp(ok, &v, &error)) << error;
  EXPECT_EQ(DumpQmp(v), ok);
  const std::string deep = std::string(kMaxQmpDepth + 1, '[') + std::string(kMaxQmpDepth + 1, ']');
  EXPECT_FALSE(ParseQmp(deep, &v, &error));
  EXPECT_EQ(error, "nesting deeper than 512 levels");
  EXPECT_TRUE(v.is_null());
  const std::string objects = std::string(kMaxQmpDepth + 1, '{');
  EXPECT_FALSE(ParseQmp(R"({"a":)" + objects, &v, &error));
  EXPECT_FALSE(ParseQmp(std::string(1000000, '{'), &v, &error));
  EXPECT_FALSE(ParseQmp(std::string(1000000, '[') + std::string(1000000, ']'), &v, &error));
}

TEST(QmpMessageTest, ReusedOutputIsReplaced) {
  QmpJson v = MustParse(R"({"a": 1})");
  ASSERT_TRUE(ParseQmp(R"("s")", &v, nullptr));
  EXPECT_EQ(v, "s");
}

}  // namespace
}  // namespace switchyard::kvm
