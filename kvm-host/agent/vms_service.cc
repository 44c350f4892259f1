#include "kvm-host/agent/vms_service.h"

#include <boost/asio/post.hpp>
#include <chrono>
#include <future>

#include "kvm-host/agent/convert.h"

namespace switchyard::kvm {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

v1::VmState ToProto(VmState state) {
  switch (state) {
    case VmState::kShutoff:
      return v1::VM_STATE_SHUTOFF;
    case VmState::kStarting:
      return v1::VM_STATE_STARTING;
    case VmState::kRunning:
      return v1::VM_STATE_RUNNING;
    case VmState::kPaused:
      return v1::VM_STATE_PAUSED;
    case VmState::kStopping:
      return v1::VM_STATE_STOPPING;
    case VmState::kCrashed:
      return v1::VM_STATE_CRASHED;
    case VmState::kWaiting:
      return v1::VM_STATE_WAITING;
  }
  return v1::VM_STATE_UNSPECIFIED;
}

v1::Vm ToProto(const VmReport& vm) {
  v1::Vm out;
  *out.mutable_spec() = ToProto(vm.config);
  v1::VmStatus* s = out.mutable_status();
  s->set_state(ToProto(vm.state));
  s->set_accelerator(vm.accel);
  s->set_accelerator_reason(vm.accel_reason);
  s->set_pid(vm.pid);
  s->set_console_log(vm.console_log);
  s->set_console_bytes(vm.console.bytes);
  s->set_console_rotations(vm.console.rotations);
  s->set_console_dropped_bytes(vm.console.dropped_bytes);
  for (const std::string& p : vm.ports) {
    s->add_ports(p);
  }
  s->set_error(vm.error);
  return out;
}

void ChangeHub::Publish(const VmChange& change) {
  v1::VmEvent e;
  e.set_name(change.name);
  e.set_state(ToProto(change.state));
  e.set_previous(ToProto(change.previous));
  e.set_detail(change.detail);
  e.set_unix_ms(NowMs());
  std::lock_guard<std::mutex> lock(mu_);
  for (Watcher& w : watchers_) {
    if (w.queue.size() >= kQueueLimit) {
      w.queue.pop_front();
    }
    w.queue.push_back(e);
  }
  cv_.notify_all();
}

ChangeHub::Watcher* ChangeHub::Subscribe() {
  std::lock_guard<std::mutex> lock(mu_);
  return &watchers_.emplace_back();
}

void ChangeHub::Unsubscribe(Watcher* w) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_.remove_if([w](const Watcher& x) { return &x == w; });
}

bool ChangeHub::Next(Watcher* w, v1::VmEvent* out, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, wait, [w] { return !w->queue.empty(); })) {
    return false;
  }
  *out = std::move(w->queue.front());
  w->queue.pop_front();
  return true;
}

grpc::Status VmsService::Run(const std::function<void(VmManager::Done)>& call, v1::Vm* resp) {
  std::promise<std::pair<Status, VmReport>> answer;
  auto got = answer.get_future();
  boost::asio::post(io_, [&call, &answer] {
    call([&answer](const Status& s, const VmReport& vm) { answer.set_value({s, vm}); });
  });
  auto [status, vm] = got.get();
  if (resp != nullptr) {
    *resp = ToProto(vm);
  }
  return ToGrpc(status);
}

grpc::Status VmsService::DefineVm(grpc::ServerContext*, const v1::DefineVmRequest* req,
                                  v1::Vm* resp) {
  VmConfig config;
  if (Status s = FromProto(req->spec(), &config); !s.ok()) {
    return ToGrpc(s);
  }
  return Run([&](VmManager::Done done) { vms_->Define(config, std::move(done)); }, resp);
}

grpc::Status VmsService::StartVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) {
  return Run([&](VmManager::Done done) { vms_->Start(req->name(), std::move(done)); }, resp);
}

grpc::Status VmsService::ShutdownVm(grpc::ServerContext*, const v1::ShutdownVmRequest* req,
                                    v1::Vm* resp) {
  const int timeout = req->timeout_seconds() == 0 ? 60 : static_cast<int>(req->timeout_seconds());
  return Run([&](VmManager::Done done) { vms_->Shutdown(req->name(), timeout, std::move(done)); },
             resp);
}

grpc::Status VmsService::DestroyVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) {
  return Run([&](VmManager::Done done) { vms_->Destroy(req->name(), std::move(done)); }, resp);
}

grpc::Status VmsService::PauseVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) {
  return Run([&](VmManager::Done done) { vms_->Pause(req->name(), std::move(done)); }, resp);
}

grpc::Status VmsService::ResumeVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) {
  return Run([&](VmManager::Done done) { vms_->Resume(req->name(), std::move(done)); }, resp);
}

grpc::Status VmsService::RebootVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) {
  return Run([&](VmManager::Done done) { vms_->Reboot(req->name(), std::move(done)); }, resp);
}

grpc::Status VmsService::UndefineVm(grpc::ServerContext*, const v1::VmRequest* req,
                                    v1::UndefineVmResponse*) {
  return Run([&](VmManager::Done done) { vms_->Undefine(req->name(), std::move(done)); }, nullptr);
}

grpc::Status VmsService::GetVm(grpc::ServerContext*, const v1::VmRequest* req, v1::Vm* resp) {
  return Run(
      [&](VmManager::Done done) {
        VmReport vm;
        const Status s = vms_->Get(req->name(), &vm);
        done(s, vm);
      },
      resp);
}

grpc::Status VmsService::ListVms(grpc::ServerContext*, const v1::ListVmsRequest*,
                                 v1::ListVmsResponse* resp) {
  std::promise<std::vector<VmReport>> answer;
  auto got = answer.get_future();
  boost::asio::post(io_, [this, &answer] { answer.set_value(vms_->List()); });
  for (const VmReport& vm : got.get()) {
    *resp->add_vms() = ToProto(vm);
  }
  return grpc::Status::OK;
}

grpc::Status VmsService::WatchVms(grpc::ServerContext* ctx, const v1::WatchVmsRequest* req,
                                  grpc::ServerWriter<v1::VmEvent>* writer) {
  ChangeHub::Watcher* w = hub_->Subscribe();
  while (!ctx->IsCancelled()) {
    v1::VmEvent e;
    if (!hub_->Next(w, &e, std::chrono::milliseconds(200))) {
      continue;
    }
    if (!req->name().empty() && e.name() != req->name()) {
      continue;
    }
    if (!writer->Write(e)) {
      break;
    }
  }
  hub_->Unsubscribe(w);
  return grpc::Status::OK;
}

}  // namespace switchyard::kvm
