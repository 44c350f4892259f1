// Fuzz target: yard-kvmd's JSON reader as QMP feeds it. The input is what
// QEMU might write on the QMP socket: it is cut into lines as
// QmpClient::State::OnRead cuts them (on '\n', trailing CR/space/tab
// dropped, blank lines skipped), and each line is parsed.
//
// Invariants: a rejected line gives an error naming a byte offset; an
// accepted one dumps to text that parses again to the same dump (the writer
// and the reader agree); lookups the client does (get, at, key_at,
// as_int64, ErrorDesc) are safe on any value; Quote() of any bytes parses
// back to those bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kvm-host/qemu/json.h"
#include "kvm-host/qemu/qmp_client.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using switchyard::kvm::QmpClient;
namespace json = switchyard::kvm::json;

// Walks a value as the client's callers do, touching every member.
size_t Walk(const json::Value& v, int depth) {
  size_t n = 1;
  int64_t i = 0;
  (void)v.as_int64(&i);
  (void)v.as_number();
  (void)v.as_string();
  (void)v.as_bool();
  (void)v.get("return").get("status").as_string();
  (void)v.at(v.size());  // past the end: a null value
  for (size_t k = 0; k < v.size(); ++k) {
    (void)v.key_at(k);
    n += Walk(v.at(k), depth + 1);
  }
  SY_FUZZ_CHECK(depth <= json::kMaxDepth + 1);
  return n;
}

void CheckLine(std::string_view line) {
  json::Value v;
  std::string error;
  if (!json::Parse(line, &v, &error)) {
    SY_FUZZ_CHECK(v.is_null());
    SY_FUZZ_CHECK(error.rfind("at byte ", 0) == 0);
  } else {
    Walk(v, 0);
    const std::string once = v.dump();
    json::Value again;
    SY_FUZZ_CHECK(json::Parse(once, &again, &error));
    SY_FUZZ_CHECK(again.dump() == once);
    SY_FUZZ_CHECK(again.type() == v.type());
    if (v.is_object() && v.has("error")) {
      (void)QmpClient::ErrorDesc(v.get("error").dump());
    }
  }
  // The writer's strings read back byte for byte.
  json::Value quoted;
  SY_FUZZ_CHECK(json::Parse(json::Quote(line), &quoted, &error));
  SY_FUZZ_CHECK(quoted.is_string() && quoted.as_string() == line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  size_t begin = 0;
  while (begin <= in.size()) {
    size_t nl = in.find('\n', begin);
    if (nl == std::string_view::npos) {
      nl = in.size();  // the unterminated tail: what the next read would complete
    }
    std::string_view line = in.substr(begin, nl - begin);
    begin = nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    CheckLine(line);
  }
  return 0;
}
