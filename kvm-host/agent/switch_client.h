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
  // Removes port `name` if it is the agent's: its backend is `backend`
  // (the vhost-user socket or the TAP AddPort gave it). One that is already
  // gone is fine; one of that name with another backend (an operator's) is
  // left alone, and the reason says so. Empty on success.
  std::string RemovePort(const std::string& name, const std::string& backend);

 private:
  std::string socket_;
  std::unique_ptr<v1::Ports::Stub> ports_;
};

}  // namespace switchyard::kvm
