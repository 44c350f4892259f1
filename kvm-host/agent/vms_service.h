// switchyard.v1.Vms: each handler turns its request into plain values,
// runs the call on the agent's io_context thread (the VmManager's), waits
// for it, and turns the answer back: the VM into a v1::Vm, the call's
// switchyard::Status into a grpc::Status, code for code, in the adapter
// both daemons share (ToGrpc, common/grpc_status.h). WatchVms streams
// VmChanges from a bounded queue per watcher.
#pragma once

#include "common/grpc_status.h"

#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>

#include "kvm-host/agent/vm_manager.h"
#include "switchyard/v1/vms.grpc.pb.h"

namespace switchyard::kvm {

// Fans VM changes out to WatchVms streams. Any thread.
class ChangeHub {
 public:
  static constexpr size_t kQueueLimit =
      1024;  // a watcher that falls this far behind loses the oldest

  struct Watcher {
    std::deque<v1::VmEvent> queue;
  };
  void Publish(const VmChange& change);
  Watcher* Subscribe();
  void Unsubscribe(Watcher* w);
  // The next event for `w`, waiting up to `wait`; false when none came.
  bool Next(Watcher* w, v1::VmEvent* out, std::chrono::milliseconds wait);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::list<Watcher> watchers_;
};

class VmsService final : public v1::Vms::Service {
 public:
  VmsService(boost::asio::io_context& io, VmManager* vms, ChangeHub* hub)
      : io_(io), vms_(vms), hub_(hub) {}

  grpc::Status DefineVm(grpc::ServerContext*, const v1::DefineVmRequest* req,
                        v1::Vm* resp) override;
  grpc::Status StartVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) override;
  grpc::Status ShutdownVm(grpc::ServerContext*, const v1::ShutdownVmRequest* req,
                          v1::Vm* resp) override;
  grpc::Status DestroyVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) override;
  grpc::Status PauseVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) override;
  grpc::Status ResumeVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) override;
  grpc::Status RebootVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) override;
  grpc::Status UndefineVm(grpc::ServerContext*, const v1::VmRequest* req,
                          v1::UndefineVmResponse* resp) override;
  grpc::Status GetVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) override;
  grpc::Status ListVms(grpc::ServerContext*, const v1::ListVmsRequest* req,
                       v1::ListVmsResponse* resp) override;
  grpc::Status WatchVms(grpc::ServerContext* ctx, const v1::WatchVmsRequest* req,
                        grpc::ServerWriter<v1::VmEvent>* writer) override;

 private:
  // Runs `call` on the io_context thread and waits for its Done.
  grpc::Status Run(const std::function<void(VmManager::Done)>& call, v1::Vm* resp);

  boost::asio::io_context& io_;
  VmManager* vms_;
  ChangeHub* hub_;
};

v1::Vm ToProto(const VmReport& vm);
v1::VmState ToProto(VmState state);

}  // namespace switchyard::kvm
