// A file replaced whole or not at all, and durably: written beside, synced,
// renamed over, the directory synced. What switchyardd's state and
// yard-kvmd's VM definitions are saved with.
#pragma once

#include <string>

namespace switchyard {

// Empty on success, else why ("cannot write PATH.tmp: No space left ...").
std::string WriteFileAtomically(const std::string& path, const std::string& data);

}  // namespace switchyard
