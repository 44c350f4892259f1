// A netdev the switch made for a port (a TAP for a guest, a veth pair for
// an internal port) and deletes when the port goes.
#pragma once

namespace switchyard::dp {

class KernelDevice {
 public:
  virtual ~KernelDevice() = default;
};

}  // namespace switchyard::dp
