// The host side of a network (as OVS's internal port or libvirt's virbr0):
// a veth pair the switch creates with libnl3. The host end, NAME, carries
// the addresses given through the API; the switch end, NAME.sw, is attached
// to the switch as a kernel port. Deleting the port deletes the pair.
//
// The host end sends full checksums (tx checksum offload off), because
// AF_XDP carries no offload metadata to the switch.
//
// Thread context: control thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "datapath/core/address.h"
#include "datapath/ports/kernel_device.h"

namespace switchyard::dp {

struct InternalConfig {
  std::string ifname;             // host end; at most 12 characters
  std::vector<IpCidr> addresses;  // the host end's, IPv4 or IPv6
  uint32_t mtu = 0;               // 0: 1500
  // False when the switch end is read with AF_XDP, which carries no
  // offload state: the host stack must then fill in its own checksums.
  bool checksum_offload = true;
};

class InternalDevice final : public KernelDevice {
 public:
  static Status Create(const InternalConfig& config, std::unique_ptr<InternalDevice>* out);
  ~InternalDevice() override;

  // The end the switch attaches to.
  static std::string SwitchEnd(const std::string& ifname) { return ifname + ".sw"; }

 private:
  explicit InternalDevice(InternalConfig config) : config_(std::move(config)) {}

  InternalConfig config_;
  bool created_ = false;
};

}  // namespace switchyard::dp
