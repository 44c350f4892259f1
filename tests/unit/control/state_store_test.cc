#include "control/store/state_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "datapath/engine/dataplane.h"
#include "tests/unit/datapath/address_literals.h"

namespace switchyard::ctl {
namespace {

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sy-store-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  DesiredState Sample() {
    DesiredState d;
    d.networks.push_back({"lan0", 60, 1024});
    d.networks.push_back({"lan1", 300, 8192});
    d.ports.push_back({.name = "vm1",
                       .network = "lan0",
                       .kind = dp::PortKind::kVhostServer,
                       .socket_path = "/run/sy/vm1.sock"});
    d.ports.push_back({.name = "vm2",
                       .network = "lan1",
                       .kind = dp::PortKind::kVhostClient,
                       .socket_path = "/run/sy/vm2.sock"});
    d.ports.push_back(
        {.name = "veth0", .network = "lan1", .kind = dp::PortKind::kKernel, .netdev = "veth0"});
    d.ports.push_back({.name = "tap0",
                       .network = "lan1",
                       .kind = dp::PortKind::kTap,
                       .netdev = "tap0",
                       .tap_owner_uid = 64055,
                       .mtu = 9000,
                       .tap_multi_queue = true});
    d.ports.push_back(
        {.name = "gw",
         .network = "lan0",
         .kind = dp::PortKind::kInternal,
         .netdev = "gw0",
         .addresses = {dp::test::IfAddress("10.0.0.1/24"), dp::test::IfAddress("fd00::1/64")}});
    d.static_macs.push_back({"lan0", 0x020000000001, "vm1"});
    return d;
  }

  std::string dir_;
};

TEST_F(StateStoreTest, SavesAndLoadsTheSameState) {
  std::unique_ptr<StateStore> store;
  ASSERT_TRUE(StateStore::Open(dir_ + "/state", &store).ok());
  DesiredState loaded;
  bool found = true;
  ASSERT_TRUE(store->Load(&loaded, &found).ok());
  EXPECT_FALSE(found);

  ASSERT_TRUE(store->Save(Sample()).ok());
  ASSERT_TRUE(store->Load(&loaded, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_EQ(loaded.networks, Sample().networks);
  EXPECT_EQ(loaded.ports, Sample().ports);
  EXPECT_EQ(loaded.static_macs, Sample().static_macs);
  EXPECT_FALSE(std::filesystem::exists(store->state_path() + ".tmp"));
  struct stat st;
  ASSERT_EQ(stat((dir_ + "/state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(StateStoreTest, SecondOpenerIsRefusedWithTheHoldersPid) {
  std::unique_ptr<StateStore> first;
  ASSERT_TRUE(StateStore::Open(dir_, &first).ok());
  // flock is per open file description: a child process is a real second owner.
  pid_t child = fork();
  if (child == 0) {
    std::unique_ptr<StateStore> second;
    Status s = StateStore::Open(dir_, &second);
    bool ok = s.code() == StatusCode::kFailedPrecondition &&
              s.message().find("in use by another switchyardd (pid " + std::to_string(getppid()) +
                               ")") != std::string::npos;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  first.reset();
  std::unique_ptr<StateStore> again;
  EXPECT_TRUE(StateStore::Open(dir_, &again).ok()) << "lock not released";
}

TEST_F(StateStoreTest, CorruptOrFutureFilesAreRefusedNotMisread) {
  std::unique_ptr<StateStore> store;
  ASSERT_TRUE(StateStore::Open(dir_, &store).ok());
  DesiredState loaded;
  bool found = false;
  std::ofstream(store->state_path()) << "{ not json";
  Status s = store->Load(&loaded, &found);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("corrupt"), std::string::npos);

  std::ofstream(store->state_path(), std::ios::trunc) << R"({"version": 2})";
  s = store->Load(&loaded, &found);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("version 2"), std::string::npos);

  std::ofstream(store->state_path(), std::ios::trunc)
      << R"({"version": 1, "static_macs": [{"network": "n", "mac": "zz", "port": "p"}]})";
  s = store->Load(&loaded, &found);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST_F(StateStoreTest, AFileThatIsThereButCannotBeReadIsAnErrorNotAnEmptyState) {
  std::unique_ptr<StateStore> store;
  ASSERT_TRUE(StateStore::Open(dir_, &store).ok());
  // A directory where the file should be: open() works, read() does not.
  ASSERT_TRUE(std::filesystem::create_directory(store->state_path()));
  ASSERT_TRUE(std::filesystem::create_directory(store->leases_path()));
  DesiredState loaded;
  bool found = false;
  Status s = store->Load(&loaded, &found);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("cannot be read"), std::string::npos) << s.message();
  std::vector<dp::LeaseReport> leases;
  s = store->LoadLeases(&leases, &found);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  // Missing is still fine.
  std::filesystem::remove(store->state_path());
  EXPECT_TRUE(store->Load(&loaded, &found).ok());
  EXPECT_FALSE(found);
}

TEST_F(StateStoreTest, FailedSaveKeepsTheOldFile) {
  std::unique_ptr<StateStore> store;
  ASSERT_TRUE(StateStore::Open(dir_, &store).ok());
  ASSERT_TRUE(store->Save(Sample()).ok());
  // A directory where the temporary file must go makes the write fail.
  std::filesystem::create_directory(store->state_path() + ".tmp");
  DesiredState other;
  other.networks.push_back({"other", 300, 8192});
  EXPECT_FALSE(store->Save(other).ok());
  DesiredState loaded;
  bool found = false;
  ASSERT_TRUE(store->Load(&loaded, &found).ok());
  EXPECT_EQ(loaded.networks, Sample().networks);
}

TEST_F(StateStoreTest, LeasesRoundTripThroughTheirOwnFile) {
  std::unique_ptr<StateStore> store;
  ASSERT_TRUE(StateStore::Open(dir_, &store).ok());
  std::vector<dp::LeaseReport> leases = {
      {"nat0", 0x525400000001, dp::test::Ip("192.168.100.101"), "vm1", 1900000000, false},
      {"nat0", 0x525400000002, dp::test::Ip("192.168.100.10"), "", 0, true},
      {"nat1", 0x525400000003, dp::test::Ip("10.0.0.5"), "db", 1900000100, false}};
  ASSERT_TRUE(store->SaveLeases(leases).ok());
  EXPECT_TRUE(std::filesystem::exists(store->leases_path()));
  EXPECT_FALSE(std::filesystem::exists(store->leases_path() + ".tmp"));
  EXPECT_FALSE(std::filesystem::exists(store->state_path()));  // apart from the config
  std::vector<dp::LeaseReport> loaded;
  bool found = false;
  ASSERT_TRUE(store->LoadLeases(&loaded, &found).ok());
  EXPECT_TRUE(found);
  ASSERT_EQ(loaded.size(), leases.size());
  for (size_t i = 0; i < leases.size(); ++i) {
    EXPECT_EQ(loaded[i].network, leases[i].network);
    EXPECT_EQ(loaded[i].mac, leases[i].mac);
    EXPECT_EQ(loaded[i].address, leases[i].address);
    EXPECT_EQ(loaded[i].hostname, leases[i].hostname);
    EXPECT_EQ(loaded[i].expires_unix_s, leases[i].expires_unix_s);
    EXPECT_EQ(loaded[i].is_static, leases[i].is_static);
  }
  // None left is a file with none, not a stale one.
  ASSERT_TRUE(store->SaveLeases({}).ok());
  ASSERT_TRUE(store->LoadLeases(&loaded, &found).ok());
  EXPECT_TRUE(found);
  EXPECT_TRUE(loaded.empty());
}

TEST_F(StateStoreTest, MissingLeasesAreNotAnError) {
  std::unique_ptr<StateStore> store;
  ASSERT_TRUE(StateStore::Open(dir_, &store).ok());
  std::vector<dp::LeaseReport> loaded = {{"x", 1, dp::test::Ip("10.0.0.1"), "", 0, true}};
  bool found = true;
  ASSERT_TRUE(store->LoadLeases(&loaded, &found).ok());
  EXPECT_FALSE(found);
  EXPECT_TRUE(loaded.empty());
}

TEST_F(StateStoreTest, TheWarmStateIsTakenOnceAndACorruptOneIsRefused) {
  std::unique_ptr<StateStore> store;
  ASSERT_TRUE(StateStore::Open(dir_, &store).ok());
  WarmState warm;
  warm.saved_unix_s = 1700000000;
  warm.fdb = {{"lan0", dp::FdbRow{"vm1", 0x525400000001, 10, false, 42}},
              {"ovl0", dp::FdbRow{"vxlan-10.99.0.20", 0x525400000009, 0, false, 0}}};
  ASSERT_TRUE(store->SaveWarm(warm).ok());
  WarmState taken;
  bool found = false;
  ASSERT_TRUE(store->TakeWarm(&taken, &found).ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(taken.saved_unix_s, warm.saved_unix_s);
  ASSERT_EQ(taken.fdb.size(), 2u);
  EXPECT_EQ(taken.fdb[0].first, "lan0");
  EXPECT_EQ(taken.fdb[0].second.port, "vm1");
  EXPECT_EQ(taken.fdb[0].second.mac, 0x525400000001u);
  EXPECT_EQ(taken.fdb[0].second.vlan, 10);
  EXPECT_EQ(taken.fdb[0].second.age_s, 42u);
  // Used once: a crash after this start brings nothing back.
  ASSERT_TRUE(store->TakeWarm(&taken, &found).ok());
  EXPECT_FALSE(found);
  for (
      const char* text :
      {"{ not json", R"({"version": 2})",
       R"({"version": 1, "fdb": [{"network": "lan0", "mac": "zz", "port": "vm1"}]})",
       R"({"version": 1, "fdb": [{"network": "lan0", "mac": "52:54:00:00:00:01", "vlan": 5000}]})"}) {
    std::ofstream(store->warm_path(), std::ios::trunc) << text;
    Status s = store->TakeWarm(&taken, &found);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << text;
    EXPECT_TRUE(taken.fdb.empty()) << text;
    EXPECT_FALSE(std::filesystem::exists(store->warm_path())) << text;
  }
}

TEST_F(StateStoreTest, CorruptLeasesAreRefusedWithNothingLoaded) {
  std::unique_ptr<StateStore> store;
  ASSERT_TRUE(StateStore::Open(dir_, &store).ok());
  std::vector<dp::LeaseReport> loaded;
  bool found = false;
  for (
      const char* text :
      {"{ not json", R"({"version": 2, "leases": []})",
       R"({"version": 1, "leases": [{"network": "n", "mac": "zz", "address": "10.0.0.1"}]})",
       R"({"version": 1, "leases": [{"network": "n", "mac": "52:54:00:00:00:01", "address": "x"}]})",
       R"({"version": 1, "leases": [{"network": "n", "mac": "52:54:00:00:00:01", "bogus": 1}]})"}) {
    std::ofstream(store->leases_path(), std::ios::trunc) << text;
    loaded = {{"x", 1, dp::test::Ip("10.0.0.1"), "", 0, true}};
    Status s = store->LoadLeases(&loaded, &found);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << text;
    EXPECT_NE(s.message().find(store->leases_path()), std::string::npos) << s.message();
    EXPECT_TRUE(loaded.empty()) << text;
  }
}

TEST_F(StateStoreTest, FailedLeaseSaveKeepsTheOldFile) {
  std::unique_ptr<StateStore> store;
  ASSERT_TRUE(StateStore::Open(dir_, &store).ok());
  ASSERT_TRUE(
      store->SaveLeases({{"nat0", 0x525400000001, dp::test::Ip("10.0.0.9"), "", 0, true}}).ok());
  std::filesystem::create_directory(store->leases_path() + ".tmp");
  EXPECT_FALSE(store->SaveLeases({}).ok());
  std::vector<dp::LeaseReport> loaded;
  bool found = false;
  ASSERT_TRUE(store->LoadLeases(&loaded, &found).ok());
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].address, dp::test::Ip("10.0.0.9"));
}

}  // namespace
}  // namespace switchyard::ctl
