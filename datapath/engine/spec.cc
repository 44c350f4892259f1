#include "datapath/engine/spec.h"

#include <cctype>

namespace switchyard::dp {

std::string_view PortKindName(PortKind kind) {
  switch (kind) {
    case PortKind::kVhostServer:
      return "vhost-server";
    case PortKind::kVhostClient:
      return "vhost-client";
    case PortKind::kKernel:
      return "kernel";
    case PortKind::kTap:
      return "tap";
  }
  return "unknown";
}

bool ParsePortKind(std::string_view text, PortKind* kind) {
  if (text == "vhost-server") {
    *kind = PortKind::kVhostServer;
  } else if (text == "vhost-client") {
    *kind = PortKind::kVhostClient;
  } else if (text == "kernel") {
    *kind = PortKind::kKernel;
  } else if (text == "tap") {
    *kind = PortKind::kTap;
  } else {
    return false;
  }
  return true;
}

Status ValidateName(std::string_view field, std::string_view name) {
  auto bad = [&](const std::string& why) {
    return Status(StatusCode::kInvalidArgument,
                  std::string(field) + ": '" + std::string(name) + "' " + why);
  };
  if (name.empty() || name.size() > 32) {
    return bad("must be 1-32 characters long");
  }
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) {
    return bad("must start with a letter or digit");
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return bad("may only contain letters, digits, '_', '-' and '.'");
    }
  }
  return Status::Ok();
}

Status ValidateNetworkSpec(const NetworkSpec& spec) {
  if (Status s = ValidateName("network.name", spec.name); !s.ok()) {
    return s;
  }
  if (spec.fdb_aging_s < kMinFdbAgingS || spec.fdb_aging_s > kMaxFdbAgingS) {
    return Status(StatusCode::kInvalidArgument,
                  "network.fdb_aging_seconds: " + std::to_string(spec.fdb_aging_s) +
                      " is outside " + std::to_string(kMinFdbAgingS) + ".." +
                      std::to_string(kMaxFdbAgingS));
  }
  if (spec.fdb_max < kMinFdbMax || spec.fdb_max > kMaxFdbMax) {
    return Status(StatusCode::kInvalidArgument,
                  "network.fdb_max_entries: " + std::to_string(spec.fdb_max) + " is outside " +
                      std::to_string(kMinFdbMax) + ".." + std::to_string(kMaxFdbMax));
  }
  return Status::Ok();
}

Status ValidatePortSpec(const PortSpec& spec) {
  if (Status s = ValidateName("port.name", spec.name); !s.ok()) {
    return s;
  }
  if (Status s = ValidateName("port.network", spec.network); !s.ok()) {
    return s;
  }
  if (!IsVhost(spec.kind)) {
    const std::string field = spec.kind == PortKind::kTap ? "port.tap.name" : "port.kernel.netdev";
    // IFNAMSIZ - 1, and what the kernel refuses in a name.
    if (spec.netdev.empty() || spec.netdev.size() > 15 ||
        spec.netdev.find_first_of("/: \t") != std::string::npos) {
      return Status(StatusCode::kInvalidArgument,
                    field + ": '" + spec.netdev +
                        "' is not a netdev name (1-15 characters, no '/', ':' or spaces)");
    }
    if (spec.kind == PortKind::kTap && spec.tap_mtu != 0 &&
        (spec.tap_mtu < 68 || spec.tap_mtu > 65521)) {
      return Status(StatusCode::kInvalidArgument,
                    "port.tap.mtu: " + std::to_string(spec.tap_mtu) + " is outside 68..65521");
    }
    return Status::Ok();
  }
  if (spec.socket_path.empty() || spec.socket_path[0] != '/') {
    return Status(
        StatusCode::kInvalidArgument,
        "port.vhost_user.socket_path: must be an absolute path, got '" + spec.socket_path + "'");
  }
  if (spec.socket_path.size() > 107) {
    return Status(StatusCode::kInvalidArgument,
                  "port.vhost_user.socket_path: longer than 107 bytes (a unix socket path limit)");
  }
  return Status::Ok();
}

}  // namespace switchyard::dp
