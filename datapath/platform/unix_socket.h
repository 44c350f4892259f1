// Unix socket paths that a server binds: vhost-user sockets in server mode
// and the gRPC API socket.
#pragma once

#include <string>

#include "common/status.h"

namespace switchyard {

// Checks `path` before a server binds it: absolute, short enough for
// sun_path, in an existing directory. A stale socket (nobody listening) is
// removed; a live one (ALREADY_EXISTS) or a non-socket file is an error.
Status PrepareServerSocketPath(const std::string& path);

}  // namespace switchyard
