// A minimal JSON value, reader and writer for QMP, the QEMU Machine Protocol.
//
// QMP is one JSON object per line over a unix socket; the agent reads
// replies, events and the greeting, and writes commands. That needs far less
// than a JSON library: parse a message, look members up, dump a member back
// to text for a caller, and build a command with correctly escaped strings.
//
// The reader is strict RFC 8259 (no comments, trailing commas, single quotes,
// NaN or leading zeros) and returns an error naming the byte offset for any
// malformed input; it never throws and never crashes: nesting deeper than
// kMaxDepth is an error, not a stack overflow. Strings are bytes: \uXXXX
// escapes (surrogate pairs included) become UTF-8, a lone surrogate becomes
// U+FFFD, and other bytes are kept as they are (QEMU escapes everything
// outside ASCII itself). Numbers keep their text, so dump() gives back a
// 64-bit integer exactly where a double would round it.
//
// Values are plain copyable data with no thread affinity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::kvm::json {

class Value {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  // Null.
  Value() = default;

  static Value Null() { return Value(); }
  static Value Bool(bool b);
  // A non-finite double has no JSON form and dumps as null.
  static Value Number(double d);
  static Value Integer(int64_t i);
  static Value String(std::string s);
  static Value Array();
  static Value Object();

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // Objects: whether `key` is a member, and its value. get() returns a null
  // value when the key is absent or this is not an object, so lookups
  // chain: msg.get("return").get("status").as_string(). With duplicate keys
  // the last one wins.
  bool has(std::string_view key) const;
  const Value& get(std::string_view key) const;

  // Arrays and objects: the number of elements (members), and the i-th
  // one's value (a null value when out of range); key_at() names an
  // object's i-th member ("" otherwise). Members keep their input order.
  size_t size() const { return items_.size(); }
  const Value& at(size_t i) const;
  const std::string& key_at(size_t i) const;

  // The value when it has that type, else "" / 0 / false.
  const std::string& as_string() const;
  double as_number() const;
  bool as_bool() const { return type_ == Type::kBool && bool_; }
  // Numbers that are integers within int64_t (no fraction or exponent).
  bool as_int64(int64_t* out) const;

  // Builders. Set() makes a null value an object and replaces an existing
  // member; Append() makes a null value an array. Both return *this. On a
  // value of another type they do nothing.
  Value& Set(std::string key, Value value);
  Value& Append(Value value);

  // Compact JSON text (no whitespace), members in order.
  std::string dump() const;

 private:
  friend class Parser;
  void DumpTo(std::string* out) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  std::string text_;               // a string's bytes, or a number's JSON text
  std::vector<std::string> keys_;  // objects: one per item
  std::vector<Value> items_;       // array elements or object member values
};

// Nesting of arrays and objects the reader accepts (QEMU's own limit is 1024).
inline constexpr int kMaxDepth = 512;

// Parses exactly one JSON value (surrounded by optional whitespace) from
// `text` into *out. On failure returns false, leaves *out null and sets
// *error to the reason and byte offset, e.g. "at byte 7: expected ':'".
bool Parse(std::string_view text, Value* out, std::string* error);

// `s` as a JSON string literal, quotes included: `"`, `\` and control
// characters escaped, other bytes as they are.
std::string Quote(std::string_view s);

}  // namespace switchyard::kvm::json
