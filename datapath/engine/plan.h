// What applying a desired state would do: each network, port and static
// MAC that is created, changed or deleted, and the reason for each one the
// switch refuses. A pure function of two states, so a dry run, the
// Dataplane's Apply() and unit tests all see the same plan.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "datapath/engine/desired_state.h"

namespace switchyard::dp {

enum class ObjectKind { kNetwork, kPort, kStaticMac };
// kKeep: unchanged, listed only when refused (it no longer fits the rest).
enum class ChangeAction { kCreate, kUpdate, kDelete, kKeep };

struct Change {
  ObjectKind kind = ObjectKind::kNetwork;
  ChangeAction action = ChangeAction::kCreate;
  std::string name;  // static MACs: StaticMacName()
  // kPort, kUpdate: a backend setting changes, so the port is closed and
  // opened again (its guest sees a reconnect); otherwise the change is live.
  bool reopen = false;
  Status refusal;  // OK: allowed

  bool operator==(const Change&) const = default;
};

struct Plan {
  // Networks, then ports, then static MACs, each by name.
  std::vector<Change> changes;

  size_t refused() const;
  // OK when nothing is refused; else the first refusal, with how many
  // more there are.
  Status Verdict() const;
  const Change* Find(ObjectKind kind, const std::string& name) const;
};

// A gateway's or an uplink's own MAC in `state`: the switch keeps it fixed.
bool IsInfraMac(const DesiredState& state, MacKey mac);

// The plan that takes `running` to `next`. Every object of `next` that is
// created or changed is checked on its own and against the rest of `next`
// (the uplinks, networks and ports it names); a deletion is refused while
// `next` still relies on the object.
Plan MakePlan(const DesiredState& running, const DesiredState& next);

}  // namespace switchyard::dp
