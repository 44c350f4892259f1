// The desired state as a file people write and read: YAML (or JSON, which
// is YAML too) in protobuf's JSON mapping of switchyard.v1.DesiredState,
// the form `yardctl get config` prints and `yardctl apply -f` reads.
#pragma once

#include <cstdint>
#include <string>

#include "switchyard/v1/config.pb.h"

namespace switchyard::ctl {

// Reads a document: the DesiredState's fields at the top (networks, ports,
// static_macs), or under `state:` as `get config --json` prints them (a
// `revision:` beside it is ignored). Returns the reason it cannot, naming
// the line or the field, or "" on success.
std::string ParseConfigDocument(const std::string& text, v1::DesiredState* state);

// YAML of `state`, field names as in the proto, led by a comment with the
// revision: ParseConfigDocument reads it back unchanged.
std::string ConfigDocumentYaml(const v1::DesiredState& state, uint64_t revision);

}  // namespace switchyard::ctl
