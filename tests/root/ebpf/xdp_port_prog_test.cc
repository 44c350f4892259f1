// The XDP program of kernel ports, run by the kernel on test frames with
// BPF_PROG_TEST_RUN (needs root: CAP_BPF). Every frame is counted; malformed
// frames and frames with no AF_XDP socket to go to are dropped and counted.
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <vector>

#include "ebpf/loader/xdp_port_program.h"

namespace switchyard::ebpf {
namespace {

class XdpPortProgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root to load BPF programs";
    }
  }
};

TEST_F(XdpPortProgTest, AVlanTagCutShortIsMalformed) {
  std::vector<uint8_t> frame(16, 0);  // header, then half a tag
  frame[12] = 0x81;
  frame[13] = 0x00;
  XdpPortCounters c;
  EXPECT_EQ(XdpPortProgram::TestRun(frame.data(), frame.size(), &c), XDP_DROP);
  EXPECT_EQ(c.rx_packets, 1u);
  EXPECT_EQ(c.rx_bytes, 16u);
  EXPECT_EQ(c.drop_malformed, 1u);
  EXPECT_EQ(c.drop_no_xsk, 0u);
}

TEST_F(XdpPortProgTest, TheKernelNeverHandsOverARunt) {
  // Shorter than an Ethernet header: refused before the program runs, so
  // the program's own runt check is a bounds check the verifier demands.
  const std::vector<uint8_t> runt(13, 0xab);
  XdpPortCounters c;
  EXPECT_LT(XdpPortProgram::TestRun(runt.data(), runt.size(), &c), 0);
  EXPECT_EQ(c.rx_packets, 0u);
}

TEST_F(XdpPortProgTest, FramesWithoutASocketAreDroppedNotPassedToTheHost) {
  std::vector<uint8_t> frame(64, 0);
  frame[0] = 0xff;  // any well-formed Ethernet frame
  frame[12] = 0x08;
  XdpPortCounters c;
  EXPECT_EQ(XdpPortProgram::TestRun(frame.data(), frame.size(), &c), XDP_DROP);
  EXPECT_EQ(c.rx_packets, 1u);
  EXPECT_EQ(c.rx_bytes, 64u);
  EXPECT_EQ(c.drop_no_xsk, 1u);
  EXPECT_EQ(c.drop_malformed, 0u);
}

TEST_F(XdpPortProgTest, AnEthernetHeaderAloneIsNotARunt) {
  std::vector<uint8_t> frame(14, 0);
  XdpPortCounters c;
  EXPECT_EQ(XdpPortProgram::TestRun(frame.data(), frame.size(), &c), XDP_DROP);
  EXPECT_EQ(c.drop_malformed, 0u);
  EXPECT_EQ(c.drop_no_xsk, 1u);
}

}  // namespace
}  // namespace switchyard::ebpf
