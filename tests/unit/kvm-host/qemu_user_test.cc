#include "kvm-host/qemu/qemu_user.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

namespace switchyard::kvm {
namespace {

namespace fs = std::filesystem;

// A user who owns nothing here and is in no group of these files'.
QemuUser Stranger() {
  QemuUser u;
  u.name = "stranger";
  u.uid = getuid() + 12345;
  u.gid = 3999999001;
  u.groups = {3999999001, 3999999002};
  return u;
}

TEST(ModeAllowsTest, OwnerThenGroupThenOthers) {
  const QemuUser u = Stranger();
  struct Case {
    mode_t mode;
    uid_t owner;
    gid_t group;
    int want;
    bool allowed;
  };
  const Case cases[] = {
      {0600, u.uid, 1, R_OK | W_OK, true},      // owner
      {0060, u.uid, u.gid, R_OK, false},        // owner bits apply, not the group's
      {0660, 0, 3999999002, W_OK, true},        // a supplementary group
      {0640, 0, u.gid, W_OK, false},            // the group may only read
      {0710, 0, u.gid, X_OK, true},             // enter, the run directory's way
      {0710, 0, u.gid, R_OK, false},            // ... but not list
      {0755, 0, 0, R_OK | X_OK, true},          // others
      {0750, 0, 0, X_OK, false},                // not in the group: the others' bits
      {0666, 0, 0, R_OK | W_OK | X_OK, false},  // nobody may execute
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ModeAllows(c.mode, c.owner, c.group, u, c.want), c.allowed)
        << std::oct << c.mode << " owner " << std::dec << c.owner << " group " << c.group
        << " want " << c.want;
  }
  QemuUser root;
  root.uid = 0;
  EXPECT_TRUE(ModeAllows(0, 1, 1, root, R_OK | W_OK));
}

TEST(LookUpUserTest, KnowsRootAndNamesAMissingUser) {
  QemuUser u;
  const Status root = LookUpUser("root", &u);
  ASSERT_TRUE(root.ok()) << root.message();
  EXPECT_EQ(u.uid, 0u);
  EXPECT_NE(std::find(u.groups.begin(), u.groups.end(), u.gid), u.groups.end());
  const Status missing = LookUpUser("sy-no-such-user-x", &u);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find("sy-no-such-user-x"), std::string::npos) << missing.message();
}

class CheckAccessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sy-qemu-user-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ASSERT_EQ(mkdir((dir_ + "/run").c_str(), 0700), 0);
    std::ofstream(dir_ + "/run/n0.sock") << "";
    chmod((dir_ + "/run/n0.sock").c_str(), 0660);
    chmod(dir_.c_str(), 0711);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string dir_;
};

TEST_F(CheckAccessTest, NamesTheDirectoryThatStopsTheUser) {
  const Status s = CheckAccess(Stranger(), dir_ + "/run/n0.sock", W_OK);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("stranger cannot enter " + dir_ + "/run (mode 0700, owner "),
            std::string::npos)
      << s.message();
}

TEST_F(CheckAccessTest, ThenTheFileItself) {
  chmod((dir_ + "/run").c_str(), 0711);
  const Status s = CheckAccess(Stranger(), dir_ + "/run/n0.sock", W_OK);
  EXPECT_NE(s.message().find("stranger cannot write " + dir_ + "/run/n0.sock (mode 0660"),
            std::string::npos)
      << s.message();
  chmod((dir_ + "/run/n0.sock").c_str(), 0662);
  EXPECT_TRUE(CheckAccess(Stranger(), dir_ + "/run/n0.sock", W_OK).ok());
  EXPECT_FALSE(CheckAccess(Stranger(), dir_ + "/run/n0.sock", R_OK | W_OK).ok());
}

TEST_F(CheckAccessTest, ALinkIsFollowedToWhereItLeads) {
  // An open door to a closed room: the closed directory is what counts.
  ASSERT_EQ(symlink((dir_ + "/run/n0.sock").c_str(), (dir_ + "/link").c_str()), 0);
  chmod((dir_ + "/run/n0.sock").c_str(), 0666);
  const Status s = CheckAccess(Stranger(), dir_ + "/link", W_OK);
  EXPECT_NE(s.message().find("cannot enter " + dir_ + "/run "), std::string::npos) << s.message();
}

TEST_F(CheckAccessTest, AMissingFileIsNamed) {
  const Status s = CheckAccess(Stranger(), dir_ + "/disk.qcow2", R_OK);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find(dir_ + "/disk.qcow2"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace switchyard::kvm
