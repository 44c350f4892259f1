// What switchyardd reports about itself: tables for people (on SIGUSR1 and
// at exit) and a JSON status document for scripts and tests (--status-file).
#pragma once

#include <string>

#include "datapath/engine/dataplane.h"

namespace switchyard::ctl {

std::string RenderTables(const dp::Dataplane& dataplane);
std::string RenderJson(const dp::Dataplane& dataplane, double uptime_s);

// Replaces `path` with `content` through a rename, so readers see the old
// or the new document, never half of one. Not fsynced: it is a report.
bool ReplaceFile(const std::string& path, const std::string& content);

}  // namespace switchyard::ctl
