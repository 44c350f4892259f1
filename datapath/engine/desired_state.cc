#include "datapath/engine/desired_state.h"

#include <algorithm>
#include <tuple>

namespace switchyard::dp {

const NetworkSpec* DesiredState::FindNetwork(const std::string& name) const {
  auto it = std::find_if(networks.begin(), networks.end(),
                         [&](const NetworkSpec& n) { return n.name == name; });
  return it != networks.end() ? &*it : nullptr;
}

const PortSpec* DesiredState::FindPort(const std::string& name) const {
  auto it =
      std::find_if(ports.begin(), ports.end(), [&](const PortSpec& p) { return p.name == name; });
  return it != ports.end() ? &*it : nullptr;
}

void DesiredState::Sort() {
  std::sort(networks.begin(), networks.end(),
            [](const NetworkSpec& a, const NetworkSpec& b) { return a.name < b.name; });
  std::sort(ports.begin(), ports.end(),
            [](const PortSpec& a, const PortSpec& b) { return a.name < b.name; });
  std::sort(static_macs.begin(), static_macs.end(), [](const StaticMac& a, const StaticMac& b) {
    return std::tie(a.network, a.vlan, a.mac) < std::tie(b.network, b.vlan, b.mac);
  });
}

std::string StaticMacName(const StaticMac& m) {
  return m.network + "/" + std::to_string(m.vlan) + "/" + MacToString(m.mac);
}

}  // namespace switchyard::dp
