#include "kvm-host/qemu/json.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>

namespace switchyard::kvm::json {

namespace {

const Value& NullValue() {
  static const Value* const kNull = new Value();  // never destroyed: no exit-time order issue
  return *kNull;
}

const std::string& EmptyString() {
  static const std::string* const kEmpty = new std::string();
  return *kEmpty;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xc0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xe0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out->push_back(static_cast<char>(0xf0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

void QuoteTo(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 0xf]);
        } else {
          out->push_back(ch);
        }
    }
  }
  out->push_back('"');
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

// Recursive descent over the text; every failure records the first error
// with its offset and unwinds by returning false.
class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  bool Run(Value* out, std::string* error) {
    SkipSpace();
    Value value;
    bool ok = ParseValue(&value, 0);
    if (ok) {
      SkipSpace();
      if (pos_ != s_.size()) {
        ok = Fail("unexpected text after the value");
      }
    }
    *out = ok ? std::move(value) : Value();
    if (!ok && error != nullptr) {
      *error = error_;
    }
    return ok;
  }

 private:
  bool Fail(const std::string& what) {
    if (error_.empty()) {
      error_ = "at byte " + std::to_string(pos_) + ": " + what;
    }
    return false;
  }

  bool AtEnd() const { return pos_ >= s_.size(); }

  void SkipSpace() {
    while (!AtEnd() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool ParseValue(Value* out, int depth) {
    if (AtEnd()) {
      return Fail("unexpected end of input");
    }
    const char c = s_[pos_];
    switch (c) {
      case '{':
      case '[':
        if (depth >= kMaxDepth) {
          return Fail("nesting deeper than " + std::to_string(kMaxDepth));
        }
        return c == '{' ? ParseObject(out, depth) : ParseArray(out, depth);
      case '"':
        out->type_ = Value::Type::kString;
        return ParseString(&out->text_);
      case 't':
        return ParseLiteral("true", out, Value::Bool(true));
      case 'f':
        return ParseLiteral("false", out, Value::Bool(false));
      case 'n':
        return ParseLiteral("null", out, Value());
      default:
        if (c == '-' || IsDigit(c)) {
          return ParseNumber(out);
        }
        return Fail(Unexpected());
    }
  }

  std::string Unexpected() const {
    const auto c = static_cast<unsigned char>(s_[pos_]);
    if (c >= 0x20 && c < 0x7f) {
      return std::string("unexpected character '") + static_cast<char>(c) + "'";
    }
    return "unexpected byte " + std::to_string(c);
  }

  bool ParseLiteral(std::string_view word, Value* out, Value value) {
    if (s_.substr(pos_, word.size()) != word) {
      return Fail(Unexpected());
    }
    pos_ += word.size();
    *out = std::move(value);
    return true;
  }

  bool ParseObject(Value* out, int depth) {
    ++pos_;  // '{'
    out->type_ = Value::Type::kObject;
    SkipSpace();
    if (!AtEnd() && s_[pos_] == '}') {
      ++pos_;
      return true;
    }
    while (true) {
      if (AtEnd() || s_[pos_] != '"') {
        return Fail(AtEnd() ? "unexpected end of input" : "expected a string key");
      }
      std::string key;
      if (!ParseString(&key)) {
        return false;
      }
      SkipSpace();
      if (AtEnd() || s_[pos_] != ':') {
        return Fail("expected ':'");
      }
      ++pos_;
      SkipSpace();
      Value value;
      if (!ParseValue(&value, depth + 1)) {
        return false;
      }
      out->keys_.push_back(std::move(key));
      out->items_.push_back(std::move(value));
      SkipSpace();
      if (AtEnd()) {
        return Fail("unexpected end of input");
      }
      if (s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      if (s_[pos_] != ',') {
        return Fail("expected ',' or '}'");
      }
      ++pos_;
      SkipSpace();
    }
  }

  bool ParseArray(Value* out, int depth) {
    ++pos_;  // '['
    out->type_ = Value::Type::kArray;
    SkipSpace();
    if (!AtEnd() && s_[pos_] == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      Value value;
      if (!ParseValue(&value, depth + 1)) {
        return false;
      }
      out->items_.push_back(std::move(value));
      SkipSpace();
      if (AtEnd()) {
        return Fail("unexpected end of input");
      }
      if (s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      if (s_[pos_] != ',') {
        return Fail("expected ',' or ']'");
      }
      ++pos_;
      SkipSpace();
    }
  }

  bool Hex4(uint32_t* out) {
    if (s_.size() - pos_ < 4) {
      return Fail("invalid \\u escape");
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_ + i];
      v <<= 4;
      if (IsDigit(c)) {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Fail("invalid \\u escape");
      }
    }
    pos_ += 4;
    *out = v;
    return true;
  }

  bool ParseString(std::string* out) {
    ++pos_;  // '"'
    while (true) {
      if (AtEnd()) {
        return Fail("unterminated string");
      }
      const char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) {
        return Fail("control character in a string");
      }
      if (c != '\\') {
        out->push_back(c);
        ++pos_;
        continue;
      }
      ++pos_;
      if (AtEnd()) {
        return Fail("unterminated string");
      }
      const char e = s_[pos_];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          ++pos_;
          uint32_t cp = 0;
          if (!Hex4(&cp)) {
            return false;
          }
          if (cp >= 0xd800 && cp <= 0xdbff) {
            // A high surrogate pairs with a following \u low surrogate;
            // alone it is no character.
            const size_t mark = pos_;
            uint32_t low = 0;
            if (s_.substr(pos_, 2) == "\\u") {
              pos_ += 2;
              if (!Hex4(&low)) {
                return false;
              }
            }
            if (low >= 0xdc00 && low <= 0xdfff) {
              cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
            } else {
              pos_ = mark;
              cp = 0xfffd;
            }
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            cp = 0xfffd;
          }
          AppendUtf8(cp, out);
          continue;  // pos_ is past the escape already
        }
        default:
          return Fail(std::string("invalid escape '\\") + (e >= 0x20 && e < 0x7f ? e : '?') + "'");
      }
      ++pos_;
    }
  }

  bool ParseNumber(Value* out) {
    const size_t start = pos_;
    auto digits = [this] {
      const size_t from = pos_;
      while (!AtEnd() && IsDigit(s_[pos_])) {
        ++pos_;
      }
      return pos_ > from;
    };
    if (s_[pos_] == '-') {
      ++pos_;
    }
    if (AtEnd() || !IsDigit(s_[pos_])) {
      return Fail("invalid number");
    }
    if (s_[pos_] == '0') {
      ++pos_;
      if (!AtEnd() && IsDigit(s_[pos_])) {
        return Fail("leading zero in a number");
      }
    } else {
      digits();
    }
    bool negative_exponent = false;
    if (!AtEnd() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) {
        return Fail("invalid number: no digits after '.'");
      }
    }
    if (!AtEnd() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (!AtEnd() && (s_[pos_] == '+' || s_[pos_] == '-')) {
        negative_exponent = s_[pos_] == '-';
        ++pos_;
      }
      if (!digits()) {
        return Fail("invalid number: no digits in the exponent");
      }
    }
    const std::string_view text = s_.substr(start, pos_ - start);
    double d = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    (void)end;
    if (ec == std::errc::result_out_of_range) {
      // Grammatically fine, beyond a double: overflow to infinity,
      // underflow to zero, as strtod does.
      const double magnitude = negative_exponent ? 0.0 : std::numeric_limits<double>::infinity();
      d = text.front() == '-' ? -magnitude : magnitude;
    } else if (ec != std::errc()) {
      return Fail("invalid number");
    }
    out->type_ = Value::Type::kNumber;
    out->number_ = d;
    out->text_ = std::string(text);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

Value Value::Bool(bool b) {
  Value v;
  v.type_ = Type::kBool;
  v.bool_ = b;
  return v;
}

Value Value::Number(double d) {
  if (!std::isfinite(d)) {
    return Value();
  }
  Value v;
  v.type_ = Type::kNumber;
  v.number_ = d;
  char buf[64];
  std::to_chars_result r;
  if (d == std::trunc(d) && std::fabs(d) < 9007199254740992.0) {  // 2^53: exact as an integer
    r = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(d));
  } else {
    r = std::to_chars(buf, buf + sizeof(buf), d);  // shortest text that reads back the same
  }
  v.text_.assign(buf, r.ptr);
  return v;
}

Value Value::Integer(int64_t i) {
  Value v;
  v.type_ = Type::kNumber;
  v.number_ = static_cast<double>(i);
  v.text_ = std::to_string(i);
  return v;
}

Value Value::String(std::string s) {
  Value v;
  v.type_ = Type::kString;
  v.text_ = std::move(s);
  return v;
}

Value Value::Array() {
  Value v;
  v.type_ = Type::kArray;
  return v;
}

Value Value::Object() {
  Value v;
  v.type_ = Type::kObject;
  return v;
}

bool Value::has(std::string_view key) const {
  if (type_ != Type::kObject) {
    return false;
  }
  for (const std::string& k : keys_) {
    if (k == key) {
      return true;
    }
  }
  return false;
}

const Value& Value::get(std::string_view key) const {
  if (type_ == Type::kObject) {
    for (size_t i = keys_.size(); i-- > 0;) {
      if (keys_[i] == key) {
        return items_[i];
      }
    }
  }
  return NullValue();
}

const Value& Value::at(size_t i) const { return i < items_.size() ? items_[i] : NullValue(); }

const std::string& Value::key_at(size_t i) const {
  return type_ == Type::kObject && i < keys_.size() ? keys_[i] : EmptyString();
}

const std::string& Value::as_string() const {
  return type_ == Type::kString ? text_ : EmptyString();
}

double Value::as_number() const { return type_ == Type::kNumber ? number_ : 0; }

bool Value::as_int64(int64_t* out) const {
  if (type_ != Type::kNumber || text_.find_first_of(".eE") != std::string::npos) {
    return false;
  }
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text_.data(), text_.data() + text_.size(), v);
  if (ec != std::errc() || end != text_.data() + text_.size()) {
    return false;
  }
  *out = v;
  return true;
}

Value& Value::Set(std::string key, Value value) {
  if (type_ == Type::kNull) {
    type_ = Type::kObject;
  }
  if (type_ != Type::kObject) {
    return *this;
  }
  for (size_t i = keys_.size(); i-- > 0;) {
    if (keys_[i] == key) {
      items_[i] = std::move(value);
      return *this;
    }
  }
  keys_.push_back(std::move(key));
  items_.push_back(std::move(value));
  return *this;
}

Value& Value::Append(Value value) {
  if (type_ == Type::kNull) {
    type_ = Type::kArray;
  }
  if (type_ == Type::kArray) {
    items_.push_back(std::move(value));
  }
  return *this;
}

std::string Value::dump() const {
  std::string out;
  DumpTo(&out);
  return out;
}

void Value::DumpTo(std::string* out) const {
  switch (type_) {
    case Type::kNull:
      out->append("null");
      return;
    case Type::kBool:
      out->append(bool_ ? "true" : "false");
      return;
    case Type::kNumber:
      out->append(text_);
      return;
    case Type::kString:
      QuoteTo(text_, out);
      return;
    case Type::kArray:
      out->push_back('[');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) {
          out->push_back(',');
        }
        items_[i].DumpTo(out);
      }
      out->push_back(']');
      return;
    case Type::kObject:
      out->push_back('{');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i > 0) {
          out->push_back(',');
        }
        QuoteTo(keys_[i], out);
        out->push_back(':');
        items_[i].DumpTo(out);
      }
      out->push_back('}');
      return;
  }
}

bool Parse(std::string_view text, Value* out, std::string* error) {
  return Parser(text).Run(out, error);
}

std::string Quote(std::string_view s) {
  std::string out;
  QuoteTo(s, &out);
  return out;
}

}  // namespace switchyard::kvm::json
