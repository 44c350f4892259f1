// The one place where API messages become plain structs and back (Status
// becomes grpc::Status in common/grpc_status.h, for both daemons).
#pragma once

#include <grpcpp/grpcpp.h>

#include "common/grpc_status.h"
#include "control/events/event_hub.h"
#include "control/model/desired_state.h"
#include "datapath/engine/engine.h"
#include "datapath/engine/plan.h"
#include "datapath/overlay/tunnel.h"
#include "switchyard/store/state.pb.h"
#include "switchyard/v1/config.pb.h"
#include "switchyard/v1/fdb.pb.h"
#include "switchyard/v1/network.pb.h"
#include "switchyard/v1/port.pb.h"
#include "switchyard/v1/stats.pb.h"

namespace switchyard::ctl {

// Fills defaults (0 -> 300 s, 8192 entries, mode bridge, 3600 s leases,
// 65536 NAT connections) and reads addresses into their types (address_text.h);
// validation is the Dataplane's. Enum values this build does not know, and
// malformed addresses, are INVALID_ARGUMENT naming the field.
Status NetworkFromProto(const v1::Network& msg, dp::NetworkSpec* spec);
Status TunnelFromProto(const v1::Tunnel& msg, dp::TunnelSpec* spec);
// UNSPECIFIED is bridge on create (`create`), and refused on update.
Status NetworkModeFromProto(v1::NetworkMode mode, bool create, dp::NetworkMode* out);
v1::NetworkMode NetworkModeToProto(dp::NetworkMode mode);
// A Dhcp with no range, dns or hosts is DHCP off: dp::DhcpSpec{}.
Status DhcpFromProto(const v1::Dhcp& msg, dp::DhcpSpec* spec);
Status ForwardsFromProto(const google::protobuf::RepeatedPtrField<v1::PortForward>& msg,
                         std::vector<dp::PortForward>* forwards);
v1::TunnelEndpointStatus EndpointToProto(const dp::EndpointReport& e);
v1::Network NetworkToProto(const dp::NetworkSpec& spec);
// The gateway's part of a network's status (modes nat and routed; DHCP
// counters in every mode).
void GatewayToProto(const dp::NetworkSpec& spec, const dp::GatewayReport& gateway,
                    v1::NetworkStatus* status);
v1::Lease LeaseToProto(const dp::LeaseReport& lease);
// INVALID_ARGUMENT for a malformed MAC or address.
Status LeaseFromProto(const v1::Lease& msg, dp::LeaseReport* lease);

// INVALID_ARGUMENT when no backend or an unspecified mode is given.
Status PortFromProto(const v1::Port& msg, dp::PortSpec* spec);
v1::Port PortToProto(const dp::PortSpec& spec);
// Backend fields of `vhost` into `spec` (kind, socket).
Status VhostUserFromProto(const v1::VhostUser& vhost, dp::PortSpec* spec);
Status KernelFromProto(const v1::Kernel& kernel, dp::PortSpec* spec);
Status TapFromProto(const v1::Tap& tap, dp::PortSpec* spec);
Status InternalFromProto(const v1::Internal& internal, dp::PortSpec* spec);
// Validated (dp::ValidateVlanSpec); an unset message is a trunk of all VLANs.
Status VlanFromProto(const v1::Vlan& vlan, dp::VlanSpec* spec);
// Port security as given, its MACs and addresses read; checked by
// dp::ValidatePortSecurity.
Status SecurityFromProto(const v1::PortSecurity& msg, dp::PortSecuritySpec* spec);
// An empty address is no uplink; an empty gateway is on-link only.
Status UnderlayFromProto(const v1::Underlay& msg, dp::UnderlaySpec* spec);

v1::Counters CountersToProto(const dp::PortTotals& totals);
v1::FdbEntry FdbRowToProto(const std::string& network, const dp::FdbRow& row);
// INVALID_ARGUMENT for a malformed MAC or a VLAN above 4095.
Status FdbRowFromProto(const v1::FdbEntry& msg, dp::FdbRow* row);

// The whole desired state (Config service). Every object is read as
// NetworkFromProto and PortFromProto read it; a malformed one is
// INVALID_ARGUMENT naming it.
v1::DesiredState DesiredStateToProto(const DesiredState& state);
Status DesiredStateFromProto(const v1::DesiredState& msg, DesiredState* state);
v1::StaticMac StaticMacToProto(const StaticMac& m);
v1::PlannedChange ChangeToProto(const dp::Change& c);
v1::ConfigChange ConfigChangeToProto(const ConfigChange& c);

// state.json <-> DesiredState.
store::State StateToProto(const DesiredState& state);
Status StateFromProto(const store::State& msg, DesiredState* state);

}  // namespace switchyard::ctl
