// The Controller on a fake engine (no EAL): every call an edit of the
// desired state with a revision, saved and announced, or nothing at all.
#include "control/model/controller.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <set>

namespace switchyard::ctl {
namespace {

using std::chrono::milliseconds;

// Runs whatever the plan allows, instantly; a port whose socket is in
// `unopenable` fails as a socket that cannot be made would.
class FakeEngine final : public dp::Engine {
 public:
  Status Apply(const DesiredState& next, dp::ApplyMode, dp::Plan* plan) override {
    ++applies;
    const dp::Plan p = dp::MakePlan(running_, next);
    if (plan != nullptr) {
      *plan = p;
    }
    if (Status v = p.Verdict(); !v.ok()) {
      return v;
    }
    for (const dp::PortSpec& port : next.ports) {
      if (unopenable.count(port.socket_path) != 0) {
        return Status(StatusCode::kFailedPrecondition,
                      "port.vhost_user.socket_path: " + port.socket_path + " cannot be made");
      }
    }
    running_ = next;
    running_.Sort();
    return Status::Ok();
  }
  DesiredState Running() const override { return running_; }
  const std::map<std::string, dp::FailedPort>& failed_ports() const override { return failed_; }
  Status FlushFdb(const std::string&, const std::string&, bool, size_t* flushed) override {
    *flushed = 3;  // learned entries
    return Status::Ok();
  }
  void PollPorts() override {}
  void ServiceSlowPath() override {}
  void Tick(const std::function<void(const dp::MacEvent&)>&) override {}
  void DrainEvents(const std::function<void(const dp::MacEvent&)>&) override {}
  std::vector<dp::PortReport> Ports() const override { return {}; }
  std::vector<dp::NetworkReport> Networks() const override { return {}; }
  std::vector<dp::EndpointReport> Endpoints() const override { return {}; }
  std::vector<dp::FdbRow> FdbEntries(const std::string&) const override { return {}; }
  size_t RestoreFdb(const std::string&, const std::vector<dp::FdbRow>&) override { return 0; }
  std::vector<dp::LeaseReport> Leases(const std::string&) const override { return {}; }
  void RestoreLeases(const std::vector<dp::LeaseReport>&) override {}
  uint64_t lease_generation() const override { return 0; }
  std::vector<dp::PmdReport> Pmds() const override { return {}; }
  uint64_t events_dropped() const override { return 0; }
  uint32_t mbufs_total() const override { return 0; }
  uint32_t mbufs_in_use() const override { return 0; }
  uint64_t dpdk_heap_allocated() const override { return 0; }
  uint64_t tsc_hz() const override { return 1; }

  std::set<std::string> unopenable;
  int applies = 0;

 private:
  DesiredState running_;
  std::map<std::string, dp::FailedPort> failed_;
};

dp::NetworkSpec Net(const std::string& name) {
  dp::NetworkSpec n;
  n.name = name;
  return n;
}

dp::PortSpec Vhost(const std::string& name, const std::string& network) {
  dp::PortSpec p;
  p.name = name;
  p.network = network;
  p.socket_path = "/run/sy-test/" + name + ".sock";
  return p;
}

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sy-controller-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    ASSERT_TRUE(StateStore::Open(dir_ + "/state", &store_).ok());
    controller_ = std::make_unique<Controller>(&engine_, store_.get(), &hub_);
    events_ = hub_.Subscribe();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The CONFIG_CHANGED events published since the last call.
  std::vector<Event> ConfigEvents() {
    std::vector<Event> out;
    Event e;
    while (events_->Next(&e, milliseconds(0))) {
      if (e.type == EventType::kConfigChanged) {
        out.push_back(e);
      }
    }
    return out;
  }

  // Saving fails from now on: the temporary file's name is a directory.
  void BreakTheStore() { std::filesystem::create_directory(store_->state_path() + ".tmp"); }

  std::string dir_;
  FakeEngine engine_;
  std::unique_ptr<StateStore> store_;
  EventHub hub_;
  std::unique_ptr<Controller> controller_;
  std::shared_ptr<EventHub::Subscription> events_;
};

TEST_F(ControllerTest, EachChangeMakesOneRevisionAndOneEventPerObject) {
  Controller& c = *controller_;
  EXPECT_EQ(c.revision(), 0u);
  ASSERT_TRUE(c.CreateNetwork(Net("lan0")).ok());
  ASSERT_TRUE(c.CreatePort(Vhost("a", "lan0")).ok());
  EXPECT_EQ(c.revision(), 2u);
  // The same create again changes nothing.
  ASSERT_TRUE(c.CreatePort(Vhost("a", "lan0")).ok());
  EXPECT_EQ(c.revision(), 2u);
  EXPECT_EQ(c.CreatePort(Vhost("a", "lan9")).code(), StatusCode::kAlreadyExists);
  const std::vector<Event> events = ConfigEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].revision, 2u);
  ASSERT_NE(events[1].change, nullptr);
  EXPECT_EQ(events[1].change->kind, dp::ObjectKind::kPort);
  EXPECT_EQ(events[1].change->port->socket_path, "/run/sy-test/a.sock");
  // What was saved is the state and its revision.
  DesiredState saved;
  bool found = false;
  uint64_t revision = 0;
  ASSERT_TRUE(store_->Load(&saved, &found, &revision).ok());
  EXPECT_EQ(saved, c.desired());
  EXPECT_EQ(revision, 2u);
  EXPECT_EQ(engine_.Running(), c.desired());
}

TEST_F(ControllerTest, APortsStaticMacsGoWithItsNetworkOrVlan) {
  Controller& c = *controller_;
  ASSERT_TRUE(c.CreateNetwork(Net("lan0")).ok());
  ASSERT_TRUE(c.CreateNetwork(Net("lan1")).ok());
  ASSERT_TRUE(c.CreatePort(Vhost("a", "lan0")).ok());
  ASSERT_TRUE(c.AddStaticMac(StaticMac{"lan0", 0x020000000001, "a", 10}).ok());
  ASSERT_TRUE(c.AddStaticMac(StaticMac{"lan0", 0x020000000002, "a", 20}).ok());
  PortUpdate to_access_10;
  to_access_10.vlan = dp::VlanSpec{dp::VlanMode::kAccess, 10};
  dp::PortSpec updated;
  ASSERT_TRUE(c.UpdatePort("a", to_access_10, &updated).ok());
  ASSERT_EQ(c.desired().static_macs.size(), 1u) << "VLAN 20 is no longer carried";
  EXPECT_EQ(c.desired().static_macs[0].vlan, 10u);
  PortUpdate move;
  move.network = "lan1";
  ASSERT_TRUE(c.UpdatePort("a", move, &updated).ok());
  EXPECT_TRUE(c.desired().static_macs.empty());
  // A declarative apply gets no such help: a pin that no longer fits is refused.
  DesiredState next = c.desired();
  next.static_macs.push_back(StaticMac{"lan0", 0x020000000003, "a", 0});
  dp::Plan plan;
  uint64_t revision = 0;
  EXPECT_EQ(c.Apply(next, std::nullopt, false, &plan, &revision).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(plan.refused(), 1u);
}

TEST_F(ControllerTest, DryRunAndStaleRevisionsChangeNothing) {
  Controller& c = *controller_;
  ASSERT_TRUE(c.CreateNetwork(Net("lan0")).ok());
  const int applies = engine_.applies;
  DesiredState next = c.desired();
  next.ports.push_back(Vhost("a", "lan0"));
  dp::Plan plan;
  uint64_t revision = 0;
  ASSERT_TRUE(c.Apply(next, 1, /*dry_run=*/true, &plan, &revision).ok());
  EXPECT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(revision, 1u);
  EXPECT_EQ(engine_.applies, applies) << "a dry run never reaches the datapath";
  EXPECT_EQ(c.Apply(next, 0, false, &plan, &revision).code(), StatusCode::kAborted);
  EXPECT_EQ(engine_.applies, applies);
  ASSERT_TRUE(c.Apply(next, 1, false, &plan, &revision).ok());
  EXPECT_EQ(revision, 2u);
  EXPECT_EQ(c.desired().ports.size(), 1u);
}

TEST_F(ControllerTest, AChangeThatCannotBeSavedIsPutBack) {
  Controller& c = *controller_;
  ASSERT_TRUE(c.CreateNetwork(Net("lan0")).ok());
  ConfigEvents();
  const DesiredState before = c.desired();
  BreakTheStore();
  const Status s = c.CreatePort(Vhost("a", "lan0"));
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("not saved, so undone"), std::string::npos);
  EXPECT_EQ(c.desired(), before);
  EXPECT_EQ(engine_.Running(), before) << "the datapath runs the old state again";
  EXPECT_EQ(c.revision(), 1u);
  EXPECT_TRUE(ConfigEvents().empty());
}

TEST_F(ControllerTest, AChangeTheDatapathCannotMakeIsNotSaved) {
  Controller& c = *controller_;
  ASSERT_TRUE(c.CreateNetwork(Net("lan0")).ok());
  engine_.unopenable.insert("/run/sy-test/a.sock");
  EXPECT_EQ(c.CreatePort(Vhost("a", "lan0")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(c.revision(), 1u);
  DesiredState saved;
  bool found = false;
  ASSERT_TRUE(store_->Load(&saved, &found).ok());
  EXPECT_TRUE(saved.ports.empty());
}

TEST_F(ControllerTest, DeletesTakeTheirStaticMacsAndFlushCountsPins) {
  Controller& c = *controller_;
  ASSERT_TRUE(c.CreateNetwork(Net("lan0")).ok());
  ASSERT_TRUE(c.CreatePort(Vhost("a", "lan0")).ok());
  ASSERT_TRUE(c.CreatePort(Vhost("b", "lan0")).ok());
  ASSERT_TRUE(c.AddStaticMac(StaticMac{"lan0", 0x020000000001, "a", 0}).ok());
  ASSERT_TRUE(c.AddStaticMac(StaticMac{"lan0", 0x020000000002, "b", 0}).ok());
  EXPECT_EQ(c.DeleteNetwork("lan0").code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(c.DeletePort("a").ok());
  ASSERT_EQ(c.desired().static_macs.size(), 1u);
  size_t flushed = 0;
  ASSERT_TRUE(c.FlushFdb("lan0", "", /*include_static=*/true, &flushed).ok());
  EXPECT_EQ(flushed, 4u) << "3 learned, 1 pinned";
  EXPECT_TRUE(c.desired().static_macs.empty());
  EXPECT_EQ(c.DeleteStaticMac("lan0", 0, 0x020000000002).code(), StatusCode::kNotFound);
}

TEST_F(ControllerTest, RestoreBringsBackTheStateAndItsRevisionButNoHistory) {
  ASSERT_TRUE(controller_->CreateNetwork(Net("lan0")).ok());
  ASSERT_TRUE(controller_->CreatePort(Vhost("a", "lan0")).ok());
  const DesiredState saved = controller_->desired();
  FakeEngine engine;
  EventHub hub;
  Controller restored(&engine, store_.get(), &hub);
  ASSERT_TRUE(restored.Restore().ok());
  EXPECT_EQ(restored.desired(), saved);
  EXPECT_EQ(restored.revision(), 2u);
  std::vector<Event> since;
  EXPECT_FALSE(hub.ChangesSince(1, &since)) << "revision 2 was made before the restart";
  EXPECT_TRUE(hub.ChangesSince(2, &since));
  EXPECT_TRUE(since.empty());
  const std::vector<Event> listed = restored.StateAsEvents();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].change->name, "lan0");
  EXPECT_EQ(listed[1].change->action, dp::ChangeAction::kCreate);
  EXPECT_EQ(listed[1].revision, 2u);
}

}  // namespace
}  // namespace switchyard::ctl
