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

TEST(FromProtoTest, AnUnknownEnumIsAnInvalidArgumentNamingTheField) {
  v1::VmSpec spec = ToProto(Web());
  spec.mutable_nics(1)->set_kind(static_cast<v1::NicKind>(99));
  VmConfig vm;
  Status s = FromProto(spec, &vm);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "vm.nics[1].kind: unknown value 99");
  spec = ToProto(Web());
  spec.set_accelerator(static_cast<v1::Accelerator>(7));
  s = FromProto(spec, &vm);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "vm.accelerator: unknown value 7");
  ASSERT_TRUE(FromProto(ToProto(Web()), &vm).ok());
  EXPECT_EQ(vm, Web());
}

TEST(VmsFromJsonTest, ReadsBackWhatIsSaved) {
  VmConfig db = Web();
  db.name = "db1";
  db.disks[0].path = "/srv/db1.qcow2";
  Normalize(&db);
  std::vector<VmConfig> loaded;
  ASSERT_TRUE(VmsFromJson(Saved({Web(), db}), "vms.json", &loaded).ok());
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0], Web());
  EXPECT_EQ(loaded[1], db);
  EXPECT_TRUE(VmsFromJson("{}", "vms.json", &loaded).ok());
  EXPECT_TRUE(loaded.empty());
}

TEST(VmsFromJsonTest, RefusesCorruptTextAndInvalidDefinitionsNamingTheFile) {
  std::vector<VmConfig> loaded{Web()};
  const Status corrupt = VmsFromJson("{\"vms\": [", "/var/lib/kvmd/vms.json", &loaded);
  EXPECT_EQ(corrupt.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(corrupt.message(), "/var/lib/kvmd/vms.json is corrupt");
  EXPECT_TRUE(loaded.empty());
  VmConfig bad = Web();
  bad.vcpus = 1000;
  const Status invalid = VmsFromJson(Saved({Web(), bad}), "vms.json", &loaded);
  EXPECT_EQ(invalid.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(invalid.message().rfind("vms.json: vm.vcpus", 0), 0u) << invalid.message();
  EXPECT_TRUE(loaded.empty());  // all or nothing
}

}  // namespace
}  // namespace switchyard::kvm
