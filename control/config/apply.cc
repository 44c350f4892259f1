#include "control/config/apply.h"

#include <functional>
#include <map>

#include "datapath/core/log.h"

namespace switchyard::ctl {

namespace {

template <typename Spec>
std::map<std::string, Spec> ByName(const std::vector<Spec>& specs) {
  std::map<std::string, Spec> out;
  for (const Spec& s : specs) {
    out.emplace(s.name, s);
  }
  return out;
}

}  // namespace

Status ApplyConfig(dp::Dataplane& dataplane, const SwitchConfig& desired) {
  const auto cur_nets = ByName(dataplane.NetworkSpecs());
  const auto cur_ports = ByName(dataplane.PortSpecs());
  const auto want_nets = ByName(desired.networks);
  const auto want_ports = ByName(desired.ports);

  // Each step done is paired with its undo, run in reverse on failure.
  std::vector<std::function<void()>> undo;
  auto run = [&](Status s, std::function<void()> undo_step) {
    if (s.ok()) {
      undo.push_back(std::move(undo_step));
    }
    return s;
  };
  auto rollback = [&](const Status& failure) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) {
      (*it)();
    }
    SY_ERROR("config not applied, previous config kept: " << failure.message());
    return failure;
  };

  for (const auto& [name, spec] : cur_ports) {
    auto want = want_ports.find(name);
    if (want == want_ports.end() || !(want->second == spec)) {
      Status s = run(dataplane.RemovePort(name), [&dataplane, spec] { dataplane.AddPort(spec); });
      if (!s.ok()) {
        return rollback(s);
      }
    }
  }
  for (const auto& [name, spec] : cur_nets) {
    auto want = want_nets.find(name);
    Status s;
    if (want == want_nets.end()) {
      s = run(dataplane.RemoveNetwork(name), [&dataplane, spec] { dataplane.AddNetwork(spec); });
    } else if (!(want->second == spec)) {
      s = run(dataplane.UpdateNetwork(want->second),
              [&dataplane, spec] { dataplane.UpdateNetwork(spec); });
    }
    if (!s.ok()) {
      return rollback(s);
    }
  }
  for (const auto& [name, spec] : want_nets) {
    if (cur_nets.count(name) == 0) {
      Status s =
          run(dataplane.AddNetwork(spec), [&dataplane, name] { dataplane.RemoveNetwork(name); });
      if (!s.ok()) {
        return rollback(Status(s.code(), "network " + name + ": " + s.message()));
      }
    }
  }
  for (const auto& [name, spec] : want_ports) {
    auto cur = cur_ports.find(name);
    if (cur == cur_ports.end() || !(cur->second == spec)) {
      Status s = run(dataplane.AddPort(spec), [&dataplane, name] { dataplane.RemovePort(name); });
      if (!s.ok()) {
        return rollback(Status(s.code(), "port " + name + ": " + s.message()));
      }
    }
  }
  return Status::Ok();
}

}  // namespace switchyard::ctl
