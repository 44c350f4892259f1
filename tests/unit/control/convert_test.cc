#include "control/api/convert.h"

#include <gtest/gtest.h>

namespace switchyard::ctl {
namespace {

TEST(ConvertTest, StatusCodesMapOneToOne) {
  EXPECT_EQ(ToGrpc(Status::Ok()).error_code(), grpc::StatusCode::OK);
  const std::pair<StatusCode, grpc::StatusCode> cases[] = {
      {StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
      {StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
      {StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
      {StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {StatusCode::kInternal, grpc::StatusCode::INTERNAL},
  };
  for (auto [ours, theirs] : cases) {
    grpc::Status g = ToGrpc(Status(ours, "port.name: bad"));
    EXPECT_EQ(g.error_code(), theirs);
    EXPECT_EQ(g.error_message(), "port.name: bad");
  }
}

TEST(ConvertTest, NetworkDefaultsApplyToZeroFields) {
  v1::Network msg;
  msg.set_name("lan0");
  dp::NetworkSpec spec = NetworkFromProto(msg);
  EXPECT_EQ(spec.fdb_aging_s, 300u);
  EXPECT_EQ(spec.fdb_max, 8192u);
  msg.set_fdb_aging_seconds(60);
  EXPECT_EQ(NetworkFromProto(msg).fdb_aging_s, 60u);
  EXPECT_EQ(NetworkToProto(NetworkFromProto(msg)).fdb_aging_seconds(), 60u);
}

TEST(ConvertTest, PortNeedsABackendAndAMode) {
  v1::Port msg;
  msg.set_name("vm1");
  msg.set_network("lan0");
  dp::PortSpec spec;
  Status s = PortFromProto(msg, &spec);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("port.backend"), std::string::npos);

  msg.mutable_vhost_user()->set_socket_path("/run/vm1.sock");
  s = PortFromProto(msg, &spec);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("port.vhost_user.mode"), std::string::npos);

  msg.mutable_vhost_user()->set_mode(v1::VHOST_USER_MODE_CLIENT);
  ASSERT_TRUE(PortFromProto(msg, &spec).ok());
  EXPECT_EQ(spec.kind, dp::PortKind::kVhostClient);
  EXPECT_EQ(spec.socket_path, "/run/vm1.sock");
  v1::Port back = PortToProto(spec);
  EXPECT_EQ(back.vhost_user().mode(), v1::VHOST_USER_MODE_CLIENT);
  EXPECT_EQ(back.network(), "lan0");
}

TEST(ConvertTest, CountersCarryEveryDropReasonByName) {
  dp::PortTotals t;
  t.rx_packets = 5;
  t.drops[static_cast<int>(dp::DropReason::kPortDown)] = 3;
  v1::Counters c = CountersToProto(t);
  EXPECT_EQ(c.rx_packets(), 5u);
  EXPECT_EQ(c.drops().size(), static_cast<size_t>(dp::kDropReasonCount));
  EXPECT_EQ(c.drops().at("port_down"), 3u);
  EXPECT_EQ(c.drops().at("runt_frame"), 0u);
}

}  // namespace
}  // namespace switchyard::ctl
