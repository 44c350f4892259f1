#include "kvm-host/agent/vm_manager.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace switchyard::kvm {
namespace {

namespace fs = std::filesystem;

// VmManager's answers that need neither QEMU nor a switch: each refused
// call's code and message, as the gRPC service passes them on.
class VmManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sy-vm-manager-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    vms_.reset();
    fs::remove_all(dir_);
  }

  // A manager on a state directory of its own; the switch is never asked.
  Status Load() {
    VmManager::Options options;
    options.state_dir = dir_ + "/state";
    vms_ = std::make_unique<VmManager>(io_, options, &switch_, nullptr);
    return vms_->Load();
  }

  // A VM with neither disk nor NIC, whose kernel is not there.
  static VmConfig NoKernel() {
    VmConfig vm;
    vm.name = "web1";
    vm.kernel = "/nonexistent/sy-vmlinux";
    return vm;
  }

  // Runs a call whose Done is called before it returns.
  template <typename Call>
  Status Answer(Call call) {
    Status out(StatusCode::kInternal, "not answered");
    call([&out](const Status& s, const VmReport&) { out = s; });
    return out;
  }

  std::string dir_;
  boost::asio::io_context io_;
  SwitchClient switch_{"/nonexistent/sy-switch.sock"};
  std::unique_ptr<VmManager> vms_;
};

TEST_F(VmManagerTest, RefusedCallsSayWhyWithTheirCodes) {
  ASSERT_TRUE(Load().ok());
  VmConfig bad = NoKernel();
  bad.name = "bad/name";
  Status s = Answer([&](VmManager::Done d) { vms_->Define(bad, d); });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("vm.name: 'bad/name'", 0), 0u) << s.message();

  VmConfig missing_disk = NoKernel();
  missing_disk.disks = {{dir_ + "/none.qcow2", 0, "qcow2", false}};
  s = Answer([&](VmManager::Done d) { vms_->Define(missing_disk, d); });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "vm.disks[0]: " + dir_ + "/none.qcow2: No such file or directory");

  ASSERT_TRUE(Answer([&](VmManager::Done d) { vms_->Define(NoKernel(), d); }).ok());
  EXPECT_TRUE(Answer([&](VmManager::Done d) { vms_->Define(NoKernel(), d); }).ok());  // same spec
  VmConfig other = NoKernel();
  other.vcpus = 2;
  s = Answer([&](VmManager::Done d) { vms_->Define(other, d); });
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "vm.name: 'web1' exists with another spec");

  s = Answer([&](VmManager::Done d) { vms_->Start("nope", d); });
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "vm.name: 'nope' is not defined");
  VmReport report;
  EXPECT_EQ(vms_->Get("nope", &report).code(), StatusCode::kNotFound);

  s = Answer([&](VmManager::Done d) { vms_->Pause("web1", d); });
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "web1 is shutoff: cannot pause");
  s = Answer([&](VmManager::Done d) { vms_->Destroy("web1", d); });
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "web1 is shutoff: no QEMU to destroy");

  // What stops a start, whatever it is, makes it UNAVAILABLE; the VM
  // keeps the reason.
  s = Answer([&](VmManager::Done d) { vms_->Start("web1", d); });
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "web1: /nonexistent/sy-vmlinux: No such file or directory");
  ASSERT_TRUE(vms_->Get("web1", &report).ok());
  EXPECT_EQ(report.state, VmState::kShutoff);
  EXPECT_EQ(report.error, "/nonexistent/sy-vmlinux: No such file or directory");

  EXPECT_TRUE(Answer([&](VmManager::Done d) { vms_->Undefine("web1", d); }).ok());
  EXPECT_EQ(vms_->Get("web1", &report).code(), StatusCode::kNotFound);
}

// The switch is restarting: the VM waits for it (its error says why), and
// a destroy ends the wait. Before: StartVm failed UNAVAILABLE.
TEST_F(VmManagerTest, AStartWhileTheSwitchDoesNotAnswerWaitsForIt) {
  ASSERT_TRUE(Load().ok());
  VmConfig vm;
  vm.name = "web2";
  vm.kernel = dir_ + "/vmlinux";
  std::ofstream(vm.kernel) << "not a kernel: never booted here";
  vm.accel = Accel::kTcg;
  vm.nics.push_back(NicConfig{.network = "lan0", .mac = "52:54:00:00:00:02"});
  ASSERT_TRUE(Answer([&](VmManager::Done d) { vms_->Define(vm, d); }).ok());

  ASSERT_TRUE(Answer([&](VmManager::Done d) { vms_->Start("web2", d); }).ok());
  VmReport report;
  ASSERT_TRUE(vms_->Get("web2", &report).ok());
  EXPECT_EQ(report.state, VmState::kWaiting);
  EXPECT_EQ(report.pid, 0);
  EXPECT_NE(report.error.find("does not answer"), std::string::npos) << report.error;
  EXPECT_EQ(VmStateName(report.state), "waiting");

  Status s = Answer([&](VmManager::Done d) { vms_->Start("web2", d); });
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "web2 is waiting: cannot start");
  ASSERT_TRUE(Answer([&](VmManager::Done d) { vms_->Destroy("web2", d); }).ok());
  ASSERT_TRUE(vms_->Get("web2", &report).ok());
  EXPECT_EQ(report.state, VmState::kShutoff);
  EXPECT_EQ(report.error, "");
}

TEST_F(VmManagerTest, DefinitionsSurviveARestartAndACorruptFileStopsTheAgent) {
  ASSERT_TRUE(Load().ok());
  ASSERT_TRUE(Answer([&](VmManager::Done d) { vms_->Define(NoKernel(), d); }).ok());
  ASSERT_TRUE(Load().ok());
  VmReport report;
  ASSERT_TRUE(vms_->Get("web1", &report).ok());
  EXPECT_EQ(report.config.kernel, "/nonexistent/sy-vmlinux");

  std::ofstream(dir_ + "/state/vms.json") << "{\"vms\": [";
  const Status s = Load();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), dir_ + "/state/vms.json is corrupt");
}

}  // namespace
}  // namespace switchyard::kvm
