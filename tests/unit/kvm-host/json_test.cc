#include "kvm-host/qemu/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace switchyard::kvm::json {
namespace {

Value MustParse(const std::string& text) {
  Value v;
  std::string error;
  EXPECT_TRUE(Parse(text, &v, &error)) << text << ": " << error;
  return v;
}

TEST(JsonTest, Scalars) {
  EXPECT_TRUE(MustParse("null").is_null());
  EXPECT_TRUE(MustParse("true").as_bool());
  EXPECT_TRUE(MustParse("false").is_bool());
  EXPECT_FALSE(MustParse("false").as_bool());
  EXPECT_EQ(MustParse(" \t\r\n\"x\" \n").as_string(), "x");
  EXPECT_DOUBLE_EQ(MustParse("-12.5e1").as_number(), -125.0);
}

TEST(JsonTest, NumbersFollowTheGrammarAndKeepTheirText) {
  struct Case {
    const char* text;
    double value;
  };
  for (const Case& c :
       {Case{"0", 0}, Case{"-0", 0}, Case{"7", 7}, Case{"-12", -12}, Case{"1.5", 1.5},
        Case{"1.5e3", 1500}, Case{"1E-2", 0.01}, Case{"2e+2", 200}, Case{"0.25", 0.25}}) {
    Value v = MustParse(c.text);
    EXPECT_TRUE(v.is_number()) << c.text;
    EXPECT_DOUBLE_EQ(v.as_number(), c.value) << c.text;
    EXPECT_EQ(v.dump(), c.text);
  }
  // Beyond a double's precision, the text survives.
  EXPECT_EQ(MustParse("18446744073709551615").dump(), "18446744073709551615");
  int64_t i = 0;
  ASSERT_TRUE(MustParse("9223372036854775807").as_int64(&i));
  EXPECT_EQ(i, INT64_MAX);
  ASSERT_TRUE(MustParse("-42").as_int64(&i));
  EXPECT_EQ(i, -42);
  EXPECT_FALSE(MustParse("9223372036854775808").as_int64(&i));  // overflows
  EXPECT_FALSE(MustParse("1.0").as_int64(&i));
  EXPECT_FALSE(MustParse("1e2").as_int64(&i));
  EXPECT_FALSE(MustParse("\"1\"").as_int64(&i));
  // Out of a double's range: still valid JSON.
  EXPECT_TRUE(std::isinf(MustParse("1e999").as_number()));
  EXPECT_EQ(MustParse("-1e-999").as_number(), 0.0);
}

TEST(JsonTest, StringEscapes) {
  EXPECT_EQ(MustParse(R"("a\"b\\c\/d")").as_string(), "a\"b\\c/d");
  EXPECT_EQ(MustParse(R"("\b\f\n\r\t")").as_string(), "\b\f\n\r\t");
  EXPECT_EQ(MustParse(R"("\u0041\u00e9\u20AC")").as_string(), "A\xc3\xa9\xe2\x82\xac");
  EXPECT_EQ(MustParse(R"("\u0000")").as_string(), std::string(1, '\0'));
  // A surrogate pair is one character (U+1F600), four bytes of UTF-8.
  EXPECT_EQ(MustParse(R"("\ud83d\ude00")").as_string(), "\xf0\x9f\x98\x80");
  // Lone surrogates are no character: U+FFFD, and what follows is kept.
  EXPECT_EQ(MustParse(R"("\ud83dx")").as_string(), "\xef\xbf\xbdx");
  EXPECT_EQ(MustParse(R"("\ude00")").as_string(), "\xef\xbf\xbd");
  EXPECT_EQ(MustParse(R"("\ud83d\u0041")").as_string(),
            "\xef\xbf\xbd"
            "A");
  // Raw UTF-8 passes through.
  EXPECT_EQ(MustParse("\"\xc3\xa9\"").as_string(), "\xc3\xa9");
}

TEST(JsonTest, NestingAndLookups) {
  Value v = MustParse(
      R"({"return": {"status": "running", "running": true, "list": [1, [2, {"x": null}], "s"]},)"
      R"( "id": 7, "dup": 1, "dup": 2})");
  ASSERT_TRUE(v.is_object());
  EXPECT_EQ(v.size(), 4u);
  EXPECT_EQ(v.key_at(0), "return");
  EXPECT_EQ(v.get("return").get("status").as_string(), "running");
  EXPECT_TRUE(v.get("return").get("running").as_bool());
  const Value& list = v.get("return").get("list");
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list.at(1).at(0).as_number(), 2);
  EXPECT_TRUE(list.at(1).at(1).has("x"));
  EXPECT_TRUE(list.at(1).at(1).get("x").is_null());
  EXPECT_EQ(list.at(2).as_string(), "s");
  EXPECT_EQ(v.get("dup").as_number(), 2);  // the last one wins
  // Missing members and wrong types give empty values, never a crash.
  EXPECT_FALSE(v.has("nope"));
  EXPECT_TRUE(v.get("nope").get("deeper").is_null());
  EXPECT_EQ(v.get("id").as_string(), "");
  EXPECT_EQ(v.get("return").as_number(), 0);
  EXPECT_TRUE(list.at(99).is_null());
  EXPECT_EQ(list.key_at(0), "");
  EXPECT_TRUE(list.get("x").is_null());
  EXPECT_EQ(v.dump(),
            R"({"return":{"status":"running","running":true,"list":[1,[2,{"x":null}],"s"]},)"
            R"("id":7,"dup":1,"dup":2})");
  EXPECT_EQ(MustParse("[]").dump(), "[]");
  EXPECT_EQ(MustParse("{ }").dump(), "{}");
}

TEST(JsonTest, DumpEscapesAndReadsBack) {
  const std::string nasty = std::string("q\"b\\s/n\nr\rt\tc\x01\x1f\x7f") + '\0' + "\xc3\xa9";
  Value v = Value::Object().Set("k\"ey", Value::String(nasty));
  const std::string text = v.dump();
  EXPECT_EQ(text, R"({"k\"ey":"q\"b\\s/n\nr\rt\tc\u0001\u001f\u007f\u0000)"
                  "\xc3\xa9"
                  R"("})");
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_EQ(MustParse(text).get("k\"ey").as_string(), nasty);
  EXPECT_EQ(Quote("a\"b"), R"("a\"b")");
}

TEST(JsonTest, Builders) {
  Value v = Value::Object();
  v.Set("execute", Value::String("device_add"))
      .Set("n", Value::Integer(-3))
      .Set("d", Value::Number(0.5))
      .Set("big", Value::Number(4294967296.0))
      .Set("nan", Value::Number(std::nan("")))
      .Set("flags", Value::Array().Append(Value::Bool(true)).Append(Value::Null()))
      .Set("n", Value::Integer(4));  // replaces
  EXPECT_EQ(v.dump(), R"({"execute":"device_add","n":4,"d":0.5,"big":4294967296,"nan":null,)"
                      R"("flags":[true,null]})");
  Value grows;
  grows.Append(Value::Integer(1));
  EXPECT_EQ(grows.dump(), "[1]");
  grows.Set("ignored", Value::Integer(2));  // not an object: no effect
  EXPECT_EQ(grows.dump(), "[1]");
}

TEST(JsonTest, MalformedInputIsAnErrorWithAnOffset) {
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
      "\"\\",
      "\"a\nb\"",
      "\"\t\"",
      "{} x",
      "[] []",
      "[\"a\" : 1]",
      "/* c */ 1",
      "\x01",
  };
  for (const char* text : bad) {
    Value v = Value::Integer(1);
    std::string error;
    EXPECT_FALSE(Parse(text, &v, &error)) << "accepted: " << text;
    EXPECT_TRUE(v.is_null()) << text;
    EXPECT_EQ(error.rfind("at byte ", 0), 0u) << text << ": " << error;
  }
  std::string error;
  Value v;
  EXPECT_FALSE(Parse(R"({"a": [1, 2,, 3]})", &v, &error));
  EXPECT_EQ(error, "at byte 12: unexpected character ','");
  EXPECT_TRUE(Parse("[1]", &v, nullptr));  // the error pointer may be null
  EXPECT_FALSE(Parse("[1", &v, nullptr));
}

TEST(JsonTest, DeepNestingIsAnErrorNotACrash) {
  const std::string ok = std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']');
  Value v;
  std::string error;
  EXPECT_TRUE(Parse(ok, &v, &error)) << error;
  const std::string deep = std::string(kMaxDepth + 1, '[') + std::string(kMaxDepth + 1, ']');
  EXPECT_FALSE(Parse(deep, &v, &error));
  EXPECT_NE(error.find("nesting deeper than"), std::string::npos) << error;
  EXPECT_FALSE(Parse(std::string(1000000, '{'), &v, &error));
  EXPECT_FALSE(Parse(std::string(1000000, '['), &v, &error));
}

TEST(JsonTest, ReusedOutputIsReplaced) {
  Value v = MustParse(R"({"a": 1})");
  std::string error;
  ASSERT_TRUE(Parse(R"("s")", &v, &error));
  EXPECT_EQ(v.as_string(), "s");
  EXPECT_FALSE(v.has("a"));
}

}  // namespace
}  // namespace switchyard::kvm::json
