#include "kvm-host/agent/convert.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace switchyard::kvm {
namespace {

VmConfig Web() {
  VmConfig vm;
  vm.name = "web1";
  vm.vcpus = 2;
  vm.memory_mib = 512;
  vm.kernel = "/srv/vmlinux";
  vm.disks = {{"/srv/web1.qcow2", 1 << 30, "qcow2", false}};
  vm.nics = {{"lan0", NicKind::kVhostUser, "", 0}, {"lan0", NicKind::kTap, "", 10}};
  vm.autostart = true;
  Normalize(&vm);
  return vm;
}

// vms.json as VmManager::Save writes it.
std::string Saved(const std::vector<VmConfig>& vms) {
  v1::ListVmsResponse all;
  for (const VmConfig& vm : vms) {
    *all.add_vms()->mutable_spec() = ToProto(vm);
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions opts;
  opts.add_whitespace = true;
  opts.preserve_proto_field_names = true;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(all, &json, opts).ok());
  return json;
}

TEST(VmsFromJsonTest, ReadsBackWhatIsSaved) {
  VmConfig db = Web();
  db.name = "db1";
  db.disks[0].path = "/srv/db1.qcow2";
  Normalize(&db);
  std::vector<VmConfig> loaded;
  ASSERT_EQ(VmsFromJson(Saved({Web(), db}), "vms.json", &loaded), "");
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0], Web());
  EXPECT_EQ(loaded[1], db);
  EXPECT_EQ(VmsFromJson("{}", "vms.json", &loaded), "");
  EXPECT_TRUE(loaded.empty());
}

TEST(VmsFromJsonTest, RefusesCorruptTextAndInvalidDefinitionsNamingTheFile) {
  std::vector<VmConfig> loaded{Web()};
  EXPECT_EQ(VmsFromJson("{\"vms\": [", "/var/lib/kvmd/vms.json", &loaded),
            "/var/lib/kvmd/vms.json is corrupt");
  EXPECT_TRUE(loaded.empty());
  VmConfig bad = Web();
  bad.vcpus = 1000;
  const std::string why = VmsFromJson(Saved({Web(), bad}), "vms.json", &loaded);
  EXPECT_EQ(why.rfind("vms.json: vm.vcpus", 0), 0u) << why;
  EXPECT_TRUE(loaded.empty());  // all or nothing
}

}  // namespace
}  // namespace switchyard::kvm
