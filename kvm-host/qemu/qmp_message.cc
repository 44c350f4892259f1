#include "kvm-host/qemu/qmp_message.h"

#include <cstddef>

namespace switchyard::kvm {

namespace {

// A SAX handler that builds nothing: it checks the nesting and keeps
// nlohmann's reason for a syntax error. Returning false from a start
// event ends the parse at once, so a line of a million '[' costs one pass
// and no memory.
class CheckingSax {
 public:
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(QmpJson::number_integer_t) { return true; }
  bool number_unsigned(QmpJson::number_unsigned_t) { return true; }
  bool number_float(QmpJson::number_float_t, const QmpJson::string_t&) { return true; }
  bool string(QmpJson::string_t&) { return true; }
  bool binary(QmpJson::binary_t&) { return true; }
  bool start_object(std::size_t) { return Enter(); }
  bool key(QmpJson::string_t&) { return true; }
  bool end_object() { return Leave(); }
  bool start_array(std::size_t) { return Enter(); }
  bool end_array() { return Leave(); }
  bool parse_error(std::size_t position, const std::string&, const QmpJson::exception& ex) {
    // ex.what() is "[json.exception.parse_error.101] parse error at line 1,
    // column 8: syntax error while parsing ..."; the byte offset says where
    // on a QMP line, so keep only the reason after the position.
    const std::string what = ex.what();
    const size_t colon = what.find(": ");
    error_ = "at byte " + std::to_string(position) + ": " +
             (colon == std::string::npos ? what : what.substr(colon + 2));
    return false;
  }

  const std::string& error() const { return error_; }

 private:
  bool Enter() {
    if (++depth_ > kMaxQmpDepth) {
      error_ = "nesting deeper than " + std::to_string(kMaxQmpDepth) + " levels";
      return false;
    }
    return true;
  }
  bool Leave() {
    --depth_;
    return true;
  }

  int depth_ = 0;
  std::string error_;
};

}  // namespace

bool ParseQmp(std::string_view text, QmpJson* out, std::string* error) {
  *out = nullptr;
  // Checked first, then built: the parser's DOM builder has no depth limit
  // of its own.
  CheckingSax check;
  const char* const begin = text.data();
  const char* const end = text.data() + text.size();
  if (!QmpJson::sax_parse(begin, end, &check, QmpJson::input_format_t::json, /*strict=*/true,
                          /*ignore_comments=*/false)) {
    if (error != nullptr) {
      *error = check.error().empty() ? "at byte 0: not JSON" : check.error();
    }
    return false;
  }
  QmpJson value = QmpJson::parse(begin, end, /*cb=*/nullptr, /*allow_exceptions=*/false,
                                 /*ignore_comments=*/false);
  if (value.is_discarded()) {
    if (error != nullptr) {
      *error = "at byte 0: not JSON";  // the check above passed it: never expected
    }
    return false;
  }
  *out = std::move(value);
  return true;
}

std::string DumpQmp(const QmpJson& value) {
  return value.dump(/*indent=*/-1, /*indent_char=*/' ', /*ensure_ascii=*/false,
                    QmpJson::error_handler_t::replace);
}

const QmpJson* QmpMember(const QmpJson& value, std::string_view key) {
  if (!value.is_object()) {
    return nullptr;
  }
  const auto it = value.find(std::string(key));
  return it == value.end() ? nullptr : &*it;
}

std::string QmpString(const QmpJson& value, std::string_view key) {
  const QmpJson* member = QmpMember(value, key);
  return member != nullptr && member->is_string() ? member->get<std::string>() : std::string();
}

}  // namespace switchyard::kvm
