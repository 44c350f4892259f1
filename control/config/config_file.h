// The switch's start-up config file: networks and ports, one per line.
//
//   # comment
//   network lan0 [fdb-aging=300] [fdb-max=8192]
//   port vm1 network=lan0 type=vhost-server socket=/run/switchyard/vm1.sock
//   port vm2 network=lan0 type=vhost-client socket=/var/lib/vms/vm2.sock
//
// The whole file is checked before anything is applied; an error names the
// line and the field.
#pragma once

#include <string>
#include <vector>

#include "datapath/core/status.h"
#include "datapath/engine/spec.h"

namespace switchyard::ctl {

struct SwitchConfig {
  std::vector<dp::NetworkSpec> networks;
  std::vector<dp::PortSpec> ports;
};

Status ParseConfig(const std::string& text, SwitchConfig* out);
Status LoadConfigFile(const std::string& path, SwitchConfig* out);

}  // namespace switchyard::ctl
