// Fuzz target: the files `yardctl apply -f` reads (cli/config_document.h):
// YAML or JSON that should be a switchyard.v1.DesiredState.
//
// Input: the file's bytes.
//
// Invariants: nothing crashes, leaks or runs away (deep nesting included);
// what reads as a state is written by `get config` as YAML that reads back
// as the same state.
#include <google/protobuf/util/message_differencer.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/config_document.h"
#include "tests/fuzz/fuzz_check.h"

namespace ctl = switchyard::ctl;
namespace v1 = switchyard::v1;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  v1::DesiredState state;
  if (!ctl::ParseConfigDocument(text, &state).empty()) {
    return 0;
  }
  v1::DesiredState again;
  const std::string yaml = ctl::ConfigDocumentYaml(state, 1);
  SY_FUZZ_CHECK(ctl::ParseConfigDocument(yaml, &again).empty());
  SY_FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(state, again));
  return 0;
}
