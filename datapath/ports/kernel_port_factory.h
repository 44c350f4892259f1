// Opens a port on a kernel netdev with the driver its spec asks for, or,
// for KernelDriver::kAuto, the best one that works: AF_XDP, else AF_PACKET
// with the reason kept in the port's status.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "datapath/engine/spec.h"
#include "datapath/ports/kernel_netdev_port.h"

struct rte_mempool;

namespace switchyard::dp {

Status OpenKernelPort(const std::string& name, const std::string& netdev, KernelDriver driver,
                      rte_mempool* pool, std::unique_ptr<KernelNetdevPort>* out);

}  // namespace switchyard::dp
