// A file replaced whole or not at all, and durably: written beside, synced,
// renamed over, the directory synced. What switchyardd's state and
// yard-kvmd's VM definitions are saved with; part of switchyard::common,
// which any part may link.
//
// Thread context: any thread; two writers of the same path at once must be
// kept apart by their caller (they share PATH.tmp).
#pragma once

#include <string>

namespace switchyard {

// Empty on success, else why ("cannot write PATH.tmp: No space left ...").
std::string WriteFileAtomically(const std::string& path, const std::string& data);

}  // namespace switchyard
