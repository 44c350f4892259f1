// Fuzz target: yard-kvmd's QMP reader (ParseQmp over nlohmann-json) as
// QmpClient feeds it. The input is what QEMU might write on the QMP socket:
// it is cut into lines as QmpClient::State::OnRead cuts them (on '\n',
// trailing CR/space/tab dropped, blank lines skipped), and each line is
// parsed.
//
// Invariants: nothing throws (an exception escaping here is a crash, as it
// would be in the agent's event loop); a rejected line gives an error and
// a null value; an accepted one is nested at most kMaxQmpDepth deep and
// dumps to text that parses again to the same dump (the writer and the
// reader agree); the lookups the client does (QmpMember, QmpString, ids,
// ErrorDesc) are safe on any value; any bytes as a string dump to JSON
// that parses back to a string, the same bytes when they were UTF-8.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kvm-host/qemu/qmp_client.h"
#include "kvm-host/qemu/qmp_message.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using switchyard::kvm::DumpQmp;
using switchyard::kvm::kMaxQmpDepth;
using switchyard::kvm::ParseQmp;
using switchyard::kvm::QmpClient;
using switchyard::kvm::QmpJson;
using switchyard::kvm::QmpMember;
using switchyard::kvm::QmpString;

// Walks a value as the client's callers do, touching every member.
size_t Walk(const QmpJson& v, int depth) {
  SY_FUZZ_CHECK(depth <= kMaxQmpDepth);
  size_t n = 1;
  (void)QmpString(v, "event");
  if (const QmpJson* ret = QmpMember(v, "return"); ret != nullptr) {
    (void)QmpString(*ret, "status");
  }
  if (const QmpJson* id = QmpMember(v, "id"); id != nullptr && id->is_number_unsigned()) {
    (void)id->get<QmpJson::number_unsigned_t>();
  }
  if (v.is_structured()) {
    for (const QmpJson& item : v) {
      n += Walk(item, depth + (item.is_structured() ? 1 : 0));
    }
  }
  return n;
}

void CheckLine(std::string_view line) {
  QmpJson v = QmpJson::object();
  std::string error;
  if (!ParseQmp(line, &v, &error)) {
    SY_FUZZ_CHECK(v.is_null());
    SY_FUZZ_CHECK(!error.empty());
  } else {
    Walk(v, v.is_structured() ? 1 : 0);
    const std::string once = DumpQmp(v);
    SY_FUZZ_CHECK(once.find('\n') == std::string::npos);
    QmpJson again;
    SY_FUZZ_CHECK(ParseQmp(once, &again, &error));
    SY_FUZZ_CHECK(DumpQmp(again) == once);
    if (const QmpJson* failure = QmpMember(v, "error"); failure != nullptr) {
      (void)QmpClient::ErrorDesc(DumpQmp(*failure));
    }
  }
  (void)QmpClient::ErrorDesc(std::string(line));
  // The writer's strings read back as strings: the same bytes when they
  // are UTF-8 (nlohmann's strict dump, which throws otherwise, says so).
  const QmpJson text(std::string{line});
  QmpJson back;
  SY_FUZZ_CHECK(ParseQmp(DumpQmp(text), &back, &error));
  SY_FUZZ_CHECK(back.is_string());
  bool utf8 = true;
  try {
    (void)text.dump();
  } catch (const QmpJson::type_error&) {
    utf8 = false;
  }
  if (utf8) {
    SY_FUZZ_CHECK(back.get<std::string>() == line);
  }
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
