// Fuzz target: what the switch and yard-kvmd read that others wrote: the
// saved state.json, leases.json and vms.json, and the gRPC requests whose
// fields control/api/convert.cc and the agent turn into plain structs.
//
// Input: one byte choosing what the rest is (modulo 11): 0 state.json, 1
// leases.json, 2 vms.json, 10 warm.json (JSON text, as the loaders read the
// files); 3
// CreateNetworkRequest, 4 UpdateNetworkRequest, 5 CreatePortRequest, 6
// UpdatePortRequest, 7 AddStaticMacRequest, 8 DefineVmRequest, 9
// ApplyConfigRequest (protobuf wire bytes, as gRPC hands them to the
// services), each converted as the service converts it and then validated
// as the model validates it (a whole state: planned, dp::MakePlan).
//
// Invariants: nothing crashes or leaks; whatever loads or converts and
// passes the model's validation survives the trip back to its message and
// in again unchanged (what is saved is what is loaded next time; what the
// API shows can be applied); a state that plans without refusal from
// nothing plans no change against itself, and its deletion is refused
// nowhere.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "control/api/convert.h"
#include "control/store/state_store.h"
#include "kvm-host/agent/convert.h"
#include "switchyard/v1/vms.pb.h"
#include "tests/fuzz/fuzz_check.h"

namespace ctl = switchyard::ctl;
namespace dp = switchyard::dp;
namespace kvm = switchyard::kvm;
namespace v1 = switchyard::v1;

namespace {

void State(const std::string& text) {
  ctl::DesiredState state;
  if (!ctl::StateStore::ParseState(text, "state.json", &state).ok()) {
    return;
  }
  // The model refuses a state with an invalid spec at start; only a valid
  // one must survive the trip.
  bool valid = true;
  for (const dp::NetworkSpec& n : state.networks) {
    valid = dp::ValidateNetworkSpec(n).ok() && dp::ValidateModeSettings(n).ok() && valid;
  }
  for (const dp::PortSpec& p : state.ports) {
    valid = dp::ValidatePortSpec(p).ok() && valid;
  }
  if (!valid) {
    return;
  }
  ctl::DesiredState again;
  SY_FUZZ_CHECK(ctl::StateFromProto(ctl::StateToProto(state), &again).ok());
  SY_FUZZ_CHECK(again.networks == state.networks);
  SY_FUZZ_CHECK(again.ports == state.ports);
  SY_FUZZ_CHECK(again.static_macs == state.static_macs);
}

void Leases(const std::string& text) {
  std::vector<dp::LeaseReport> leases;
  if (!ctl::StateStore::ParseLeases(text, "leases.json", &leases).ok()) {
    return;
  }
  for (const dp::LeaseReport& l : leases) {
    dp::LeaseReport again;
    SY_FUZZ_CHECK(ctl::LeaseFromProto(ctl::LeaseToProto(l), &again).ok());
    SY_FUZZ_CHECK(again.network == l.network && again.mac == l.mac && again.address == l.address &&
                  again.hostname == l.hostname && again.expires_unix_s == l.expires_unix_s &&
                  again.is_static == l.is_static);
  }
}

void Warm(const std::string& text) {
  ctl::WarmState warm;
  if (!ctl::StateStore::ParseWarm(text, "warm.json", &warm).ok()) {
    return;
  }
  for (const auto& [network, row] : warm.fdb) {
    dp::FdbRow again;
    SY_FUZZ_CHECK(ctl::FdbRowFromProto(ctl::FdbRowToProto(network, row), &again).ok());
    SY_FUZZ_CHECK(again.port == row.port && again.mac == row.mac && again.vlan == row.vlan &&
                  again.is_static == row.is_static && again.age_s == row.age_s);
  }
}

void Vms(const std::string& text) {
  std::vector<kvm::VmConfig> vms;
  if (!kvm::VmsFromJson(text, "vms.json", &vms).ok()) {
    return;
  }
  for (const kvm::VmConfig& vm : vms) {
    kvm::VmConfig again;
    SY_FUZZ_CHECK(kvm::FromProto(kvm::ToProto(vm), &again).ok());
    kvm::Normalize(&again);
    SY_FUZZ_CHECK(again == vm);
  }
}

void Network(const v1::Network& msg) {
  dp::NetworkSpec spec;
  if (!ctl::NetworkFromProto(msg, &spec).ok()) {
    return;
  }
  if (!dp::ValidateNetworkSpec(spec).ok() || !dp::ValidateModeSettings(spec).ok()) {
    return;  // refused by the model: never stored or shown
  }
  dp::NetworkSpec again;
  SY_FUZZ_CHECK(ctl::NetworkFromProto(ctl::NetworkToProto(spec), &again).ok());
  SY_FUZZ_CHECK(again == spec);
}

void UpdateNetwork(const v1::UpdateNetworkRequest& req) {
  (void)dp::ValidateName("name", req.name());
  if (req.has_tunnel()) {
    dp::TunnelSpec t;
    if (ctl::TunnelFromProto(req.tunnel(), &t).ok()) {
      (void)dp::ValidateTunnel(t);
    }
  }
  dp::NetworkMode mode;
  (void)ctl::NetworkModeFromProto(req.mode(), false, &mode);
  if (req.has_dhcp()) {
    dp::DhcpSpec dhcp;
    (void)ctl::DhcpFromProto(req.dhcp(), &dhcp);
  }
  if (req.has_forwards()) {
    std::vector<dp::PortForward> forwards;
    (void)ctl::ForwardsFromProto(req.forwards().forwards(), &forwards);
  }
}

void Port(const v1::Port& msg) {
  dp::PortSpec spec;
  if (!ctl::PortFromProto(msg, &spec).ok()) {
    return;
  }
  (void)dp::MakeVlanPolicy(spec.vlan);
  (void)dp::FormatVlan(spec.vlan);
  if (!dp::ValidatePortSpec(spec).ok()) {
    return;  // refused by the model: never stored or shown
  }
  dp::PortSpec again;
  SY_FUZZ_CHECK(ctl::PortFromProto(ctl::PortToProto(spec), &again).ok());
  SY_FUZZ_CHECK(again == spec);
}

void UpdatePort(const v1::UpdatePortRequest& req) {
  dp::PortSpec b;
  if (req.has_vhost_user()) {
    (void)ctl::VhostUserFromProto(req.vhost_user(), &b);
  } else if (req.has_kernel()) {
    (void)ctl::KernelFromProto(req.kernel(), &b);
  } else if (req.has_tap()) {
    (void)ctl::TapFromProto(req.tap(), &b);
  } else if (req.has_internal()) {
    (void)ctl::InternalFromProto(req.internal(), &b);
  }
  if (req.has_vlan()) {
    dp::VlanSpec vlan;
    if (ctl::VlanFromProto(req.vlan(), &vlan).ok()) {
      SY_FUZZ_CHECK(dp::ValidateVlanSpec(vlan).ok());
      (void)dp::MakeVlanPolicy(vlan);
      (void)dp::FormatVlan(vlan);
    }
  }
  if (req.has_underlay()) {
    dp::UnderlaySpec underlay;
    if (ctl::UnderlayFromProto(req.underlay(), &underlay).ok()) {
      (void)dp::ValidateUnderlay(underlay);
    }
  }
}

void StaticMac(const v1::AddStaticMacRequest& req) {
  auto mac = dp::ParseMac(req.mac());
  if (mac) {
    SY_FUZZ_CHECK(dp::ParseMac(dp::MacToString(*mac)) == mac);
  }
}

void DefineVm(const v1::DefineVmRequest& req) {
  kvm::VmConfig vm;
  if (!kvm::FromProto(req.spec(), &vm).ok()) {
    return;
  }
  kvm::Normalize(&vm);
  if (!kvm::Validate(vm).ok()) {
    return;
  }
  kvm::VmConfig again;
  SY_FUZZ_CHECK(kvm::FromProto(kvm::ToProto(vm), &again).ok());
  kvm::Normalize(&again);
  SY_FUZZ_CHECK(again == vm);
}

void Apply(const v1::ApplyConfigRequest& req) {
  ctl::DesiredState next;
  if (!ctl::DesiredStateFromProto(req.state(), &next).ok()) {
    return;
  }
  const dp::Plan from_nothing = dp::MakePlan({}, next);
  if (!from_nothing.Verdict().ok()) {
    return;
  }
  SY_FUZZ_CHECK(dp::MakePlan(next, next).changes.empty());
  SY_FUZZ_CHECK(dp::MakePlan(next, {}).Verdict().ok());
  ctl::DesiredState again;
  SY_FUZZ_CHECK(ctl::DesiredStateFromProto(ctl::DesiredStateToProto(next), &again).ok());
  SY_FUZZ_CHECK(again == next);
}

template <typename Msg, typename Fn>
void Request(const std::string& bytes, Fn fn) {
  Msg msg;
  if (msg.ParseFromString(bytes)) {
    fn(msg);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return -1;
  }
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 11) {
    case 0:
      State(rest);
      break;
    case 1:
      Leases(rest);
      break;
    case 2:
      Vms(rest);
      break;
    case 3:
      Request<v1::CreateNetworkRequest>(
          rest, [](const v1::CreateNetworkRequest& r) { Network(r.network()); });
      break;
    case 4:
      Request<v1::UpdateNetworkRequest>(rest, UpdateNetwork);
      break;
    case 5:
      Request<v1::CreatePortRequest>(rest, [](const v1::CreatePortRequest& r) { Port(r.port()); });
      break;
    case 6:
      Request<v1::UpdatePortRequest>(rest, UpdatePort);
      break;
    case 7:
      Request<v1::AddStaticMacRequest>(rest, StaticMac);
      break;
    case 8:
      Request<v1::DefineVmRequest>(rest, DefineVm);
      break;
    case 9:
      Request<v1::ApplyConfigRequest>(rest, Apply);
      break;
    default:
      Warm(rest);
      break;
  }
  return 0;
}
