// The words of `yardctl vm define`: SIZE, --disk and --nic values, and the
// enum names the vm verbs print.
#include "cli/vm_args.h"

#include <gtest/gtest.h>

namespace switchyard::ctl {
namespace {

TEST(VmArgsTest, SizesAreBytesOrBinaryUnits) {
  uint64_t b = 0;
  EXPECT_TRUE(ParseSize("10G", &b));
  EXPECT_EQ(b, uint64_t{10} << 30);
  EXPECT_TRUE(ParseSize("512m", &b));
  EXPECT_EQ(b, uint64_t{512} << 20);
  EXPECT_TRUE(ParseSize("8k", &b));
  EXPECT_EQ(b, 8192u);
  EXPECT_TRUE(ParseSize("1T", &b));
  EXPECT_EQ(b, uint64_t{1} << 40);
  EXPECT_TRUE(ParseSize("4096", &b));
  EXPECT_EQ(b, 4096u);
  EXPECT_TRUE(ParseSize("18446744073709551615", &b));
  EXPECT_TRUE(ParseSize("16777215T", &b));
  EXPECT_FALSE(ParseSize("16777216T", &b));  // 2^64
  EXPECT_FALSE(ParseSize("18446744073709551616", &b));
  for (const char* bad :
       {"", "G", "-1", "+1", "1.5G", "10GB", "10 G", " 10", "0x10", "10X", "1GG"}) {
    EXPECT_FALSE(ParseSize(bad, &b)) << bad;
  }
}

TEST(VmArgsTest, SizeTextTakesTheLargestExactUnit) {
  EXPECT_EQ(SizeText(0), "0");
  EXPECT_EQ(SizeText(uint64_t{10} << 30), "10G");
  EXPECT_EQ(SizeText(uint64_t{1536} << 20), "1536M");
  EXPECT_EQ(SizeText(uint64_t{1} << 40), "1T");
  EXPECT_EQ(SizeText(2048), "2K");
  EXPECT_EQ(SizeText(1000), "1000");
  for (uint64_t v : {uint64_t{1}, uint64_t{1023}, uint64_t{1024}, uint64_t{123456789},
                     uint64_t{5} << 30, uint64_t{3} << 40}) {
    uint64_t back = 0;
    ASSERT_TRUE(ParseSize(SizeText(v), &back)) << v;
    EXPECT_EQ(back, v);
  }
}

TEST(VmArgsTest, DiskTakesPathThenSettings) {
  v1::Disk d;
  EXPECT_EQ(ParseDiskOption("/vms/a.qcow2", &d), "");
  EXPECT_EQ(d.path(), "/vms/a.qcow2");
  EXPECT_EQ(d.create_size_bytes(), 0u);
  EXPECT_EQ(d.format(), "");  // the agent's default, qcow2
  EXPECT_FALSE(d.read_only());

  EXPECT_EQ(ParseDiskOption("/vms/b.img,size=512M,format=raw,ro", &d), "");
  EXPECT_EQ(d.path(), "/vms/b.img");
  EXPECT_EQ(d.create_size_bytes(), uint64_t{512} << 20);
  EXPECT_EQ(d.format(), "raw");
  EXPECT_TRUE(d.read_only());

  EXPECT_EQ(ParseDiskOption("/vms/x=y.img,ro", &d), "");  // '=' in a path is fine
  EXPECT_EQ(d.path(), "/vms/x=y.img");
}

TEST(VmArgsTest, DiskMistakesNameTheOption) {
  v1::Disk d;
  EXPECT_EQ(ParseDiskOption("", &d),
            "--disk: '': no PATH (PATH[,size=SIZE][,format=qcow2|raw][,ro])");
  EXPECT_EQ(ParseDiskOption("/a,size=10X", &d),
            "--disk: '/a,size=10X': size '10X' is not a SIZE (e.g. 10G, 512M, or bytes)");
  EXPECT_EQ(ParseDiskOption("/a,format=qcow2,format=raw", &d),
            "--disk: '/a,format=qcow2,format=raw': format given twice");
  EXPECT_EQ(ParseDiskOption("/a,rw", &d),
            "--disk: '/a,rw': unknown setting 'rw' (size=SIZE, format=qcow2|raw, ro)");
  for (const char* bad : {",ro", "/a,", "/a,size=", "/a,size=0", "/a,size=1G,size=2G",
                          "/a,format=vmdk", "/a,ro=1", "/a,ro,ro", "/a,size"}) {
    EXPECT_EQ(ParseDiskOption(bad, &d).rfind("--disk: '", 0), 0u) << bad;
  }
}

TEST(VmArgsTest, NicTakesNetworkThenSettings) {
  v1::Nic n;
  EXPECT_EQ(ParseNicOption("lan0", &n), "");
  EXPECT_EQ(n.network(), "lan0");
  EXPECT_EQ(n.kind(), v1::NIC_KIND_UNSPECIFIED);
  EXPECT_EQ(n.mac(), "");
  EXPECT_EQ(n.vlan(), 0u);

  EXPECT_EQ(ParseNicOption("nat0,kind=tap,mac=52:54:00:00:00:01,vlan=10", &n), "");
  EXPECT_EQ(n.network(), "nat0");
  EXPECT_EQ(n.kind(), v1::NIC_KIND_TAP);
  EXPECT_EQ(n.mac(), "52:54:00:00:00:01");
  EXPECT_EQ(n.vlan(), 10u);

  EXPECT_EQ(ParseNicOption("lan0,kind=vhost-user", &n), "");
  EXPECT_EQ(n.kind(), v1::NIC_KIND_VHOST_USER);
}

TEST(VmArgsTest, NicAddressesAndSpoofing) {
  v1::Nic n;
  EXPECT_EQ(ParseNicOption("lan0,ip=192.168.1.5,ip=192.168.1.6", &n), "");
  EXPECT_EQ(n.ipv4_addresses_size(), 2);
  EXPECT_EQ(n.ipv4_addresses(1), "192.168.1.6");
  EXPECT_FALSE(n.allow_spoofing());
  EXPECT_EQ(ParseNicOption("lan0,allow-spoofing", &n), "");
  EXPECT_TRUE(n.allow_spoofing());
}

TEST(VmArgsTest, NicMistakesNameTheOption) {
  v1::Nic n;
  EXPECT_EQ(ParseNicOption("kind=tap", &n),
            "--nic: 'kind=tap': no NETWORK first "
            "(NETWORK[,kind=vhost-user|tap][,mac=MAC][,vlan=N][,ip=ADDR]...[,allow-spoofing])");
  EXPECT_EQ(ParseNicOption("lan0,kind=virtio", &n),
            "--nic: 'lan0,kind=virtio': kind 'virtio' is not vhost-user or tap");
  for (const char* bad : {"", ",kind=tap", "lan0,vlan=x", "lan0,vlan=-1", "lan0,mac=", "lan0,foo=1",
                          "lan0,tap", "lan0,", "lan0,vlan=1,vlan=2",
                          "lan0,allow-spoofing,allow-spoofing", "lan0,allow-spoofing=1"}) {
    EXPECT_EQ(ParseNicOption(bad, &n).rfind("--nic: '", 0), 0u) << bad;
  }
}

TEST(VmArgsTest, EnumNames) {
  EXPECT_EQ(VmStateName(v1::VM_STATE_SHUTOFF), "shutoff");
  EXPECT_EQ(VmStateName(v1::VM_STATE_CRASHED), "crashed");
  EXPECT_EQ(VmStateName(v1::VM_STATE_UNSPECIFIED), "-");
  EXPECT_EQ(VmStateName(static_cast<v1::VmState>(42)), "state-42");
  EXPECT_EQ(AcceleratorName(v1::ACCELERATOR_UNSPECIFIED), "auto");
  EXPECT_EQ(AcceleratorName(v1::ACCELERATOR_TCG), "tcg");
  EXPECT_EQ(NicKindName(v1::NIC_KIND_UNSPECIFIED), "vhost-user");
  EXPECT_EQ(NicKindName(v1::NIC_KIND_TAP), "tap");
  EXPECT_EQ(ParseAccelerator("kvm"), v1::ACCELERATOR_KVM);
  EXPECT_EQ(ParseAccelerator("KVM"), std::nullopt);
}

}  // namespace
}  // namespace switchyard::ctl
