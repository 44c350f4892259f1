// A netdev the switch made for a port (a TAP for a guest, a veth pair for
// an internal port) and deletes when the port goes.
#pragma once

namespace switchyard::dp {

class KernelDevice {
 public:
  virtual ~KernelDevice() = default;
  // The switch stops, the port stays configured: leave the netdev in place
  // for the next start to take over, when this kind of device can be.
  virtual void Keep() {}
};

}  // namespace switchyard::dp
