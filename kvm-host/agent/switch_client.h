// yard-kvmd's way to the switch: switchyardd's gRPC API, nothing else. A
// VM's NICs become ports there, named after the VM, and go when it stops.
#pragma once

#include <memory>
#include <string>

#include "kvm-host/vm/vm_config.h"
#include "switchyard/v1/port.grpc.pb.h"

namespace switchyard::kvm {

class SwitchClient {
 public:
  // `socket`: switchyardd's API socket (unix path).
  explicit SwitchClient(const std::string& socket);

  // Makes NIC `nic` of `vm` a port of its network: a vhost-user port whose
  // socket is `vhost_socket` (the switch listens, QEMU connects), or a tap
  // port making TapName(). An existing port of that name and spec counts as
  // made (a restarted agent). Empty on success, else the switch's reason.
  std::string AddPort(const VmConfig& vm, size_t nic, const std::string& vhost_socket);
  // Removes a port; one that is already gone is fine. Empty on success.
  std::string RemovePort(const std::string& name);

 private:
  std::string socket_;
  std::unique_ptr<v1::Ports::Stub> ports_;
};

}  // namespace switchyard::kvm
