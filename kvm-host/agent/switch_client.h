// yard-kvmd's way to the switch: switchyardd's gRPC API, nothing else. A
// VM's NICs become ports there, named after the VM, and go when it stops.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "kvm-host/vm/vm_config.h"
#include "switchyard/v1/port.grpc.pb.h"

namespace switchyard::kvm {

class SwitchClient {
 public:
  // `socket`: switchyardd's API socket (unix path).
  explicit SwitchClient(const std::string& socket);

  // OK when the switch answers calls now; else UNAVAILABLE saying so.
  Status Answers();
  // Makes NIC `nic` of `vm` a port of its network: a vhost-user port whose
  // socket is `vhost_socket` (the switch listens, QEMU connects), or a tap
  // port making TapName(). An existing port of that name and spec counts as
  // made (a restarted agent). OK; UNAVAILABLE when the switch did not
  // answer; FAILED_PRECONDITION with its reason when it refused the port;
  // both naming its socket and the port.
  Status AddPort(const VmConfig& vm, size_t nic, const std::string& vhost_socket);
  // Removes port `name` if it is the agent's: its backend is `backend`
  // (the vhost-user socket or the TAP AddPort gave it). OK also when it is
  // gone already; FAILED_PRECONDITION when a port of that name has another
  // backend (an operator's), which is left alone; UNAVAILABLE when the
  // switch refused or did not answer.
  Status RemovePort(const std::string& name, const std::string& backend);

 private:
  std::string socket_;
  std::unique_ptr<v1::Ports::Stub> ports_;
};

}  // namespace switchyard::kvm
