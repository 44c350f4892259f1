// A file replaced whole or not at all, and durably: written beside, synced,
// renamed over, the directory synced. What switchyardd's state and
// yard-kvmd's VM definitions are saved with; part of switchyard::common,
// which any part may link.
//
// Thread context: any thread; two writers of the same path at once must be
// kept apart by their caller (they share PATH.tmp).
#pragma once

#include <string>

#include "common/status.h"

namespace switchyard {

// UNAVAILABLE with why ("cannot write PATH.tmp: No space left ...") when
// the file could not be replaced; it is then as it was.
Status WriteFileAtomically(const std::string& path, const std::string& data);

}  // namespace switchyard
