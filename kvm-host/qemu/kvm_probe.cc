#include "kvm-host/qemu/kvm_probe.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

namespace switchyard::kvm {

namespace {

constexpr auto kDeadline = std::chrono::seconds(3);
constexpr uint64_t kCodeAt = 0x1000;
constexpr uint16_t kProbePort = 0x10;
constexpr uint8_t kProbeValue = 0x42;

// Exit codes of the probe child.
enum ProbeExit : int {
  kRan = 0,
  kNoDevice = 10,
  kBadApi,
  kNoVm,
  kNoMemory,
  kNoVcpu,
  kNoRegisters,
  kRunFailed,
  kWrongExit,
};

// In the child: only system calls, then _exit.
[[noreturn]] void Probe() {
  const int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) {
    _exit(kNoDevice);
  }
  if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
    _exit(kBadApi);
  }
  const int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  if (vm < 0) {
    _exit(kNoVm);
  }
  void* mem = mmap(nullptr, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    _exit(kNoMemory);
  }
  // mov al, 0x42; out 0x10, al; hlt
  const uint8_t code[] = {0xb0, kProbeValue, 0xe6, static_cast<uint8_t>(kProbePort), 0xf4};
  std::memcpy(mem, code, sizeof(code));
  kvm_userspace_memory_region region{};
  region.guest_phys_addr = kCodeAt;
  region.memory_size = 0x1000;
  region.userspace_addr = reinterpret_cast<uint64_t>(mem);
  if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
    _exit(kNoMemory);
  }
  const int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  const int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (vcpu < 0 || run_size <= 0) {
    _exit(kNoVcpu);
  }
  auto* run = static_cast<kvm_run*>(
      mmap(nullptr, static_cast<size_t>(run_size), PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0));
  if (run == MAP_FAILED) {
    _exit(kNoVcpu);
  }
  kvm_sregs sregs{};
  kvm_regs regs{};
  if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0) {
    _exit(kNoRegisters);
  }
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  regs.rip = kCodeAt;
  regs.rflags = 0x2;
  if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0) {
    _exit(kNoRegisters);
  }
  if (ioctl(vcpu, KVM_RUN, 0) < 0) {
    _exit(kRunFailed);
  }
  const auto* value = reinterpret_cast<const uint8_t*>(run) + run->io.data_offset;
  if (run->exit_reason != KVM_EXIT_IO || run->io.port != kProbePort || *value != kProbeValue) {
    _exit(kWrongExit);
  }
  if (ioctl(vcpu, KVM_RUN, 0) < 0) {
    _exit(kRunFailed);
  }
  _exit(run->exit_reason == KVM_EXIT_HLT ? kRan : kWrongExit);
}

std::string Reason(int code) {
  switch (code) {
    case kNoDevice:
      return "/dev/kvm cannot be opened";
    case kBadApi:
      return "/dev/kvm speaks another KVM API";
    case kNoVm:
      return "KVM cannot create a VM";
    case kNoMemory:
      return "KVM cannot map guest memory";
    case kNoVcpu:
      return "KVM cannot create a vCPU";
    case kNoRegisters:
      return "KVM cannot set a vCPU's registers";
    case kRunFailed:
      return "KVM_RUN failed";
    case kWrongExit:
      return "the KVM vCPU did not run the probe code";
    default:
      return "the KVM probe ended with code " + std::to_string(code);
  }
}

bool RunProbe(std::string* why) {
  const pid_t pid = fork();
  if (pid < 0) {
    *why = std::string("cannot fork the KVM probe: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    Probe();
  }
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      *why = "the KVM vCPU did not run the probe within 3 s";
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == kRan) {
    return true;
  }
  *why = WIFEXITED(status) ? Reason(WEXITSTATUS(status)) : "the KVM probe was killed";
  return false;
}

}  // namespace

bool KvmRunsVcpus(std::string* why) {
  static std::string reason;
  static const bool runs = RunProbe(&reason);
  *why = reason;
  return runs;
}

}  // namespace switchyard::kvm
