#include "kvm-host/agent/vms_service.h"

#include <gtest/gtest.h>

namespace switchyard::kvm {
namespace {

TEST(ToGrpcTest, EveryCodeMapsOntoItsGrpcCodeWithTheMessage) {
  const std::pair<StatusCode, grpc::StatusCode> cases[] = {
      {StatusCode::kInvalidArgument, grpc::StatusCode::INVALID_ARGUMENT},
      {StatusCode::kNotFound, grpc::StatusCode::NOT_FOUND},
      {StatusCode::kAlreadyExists, grpc::StatusCode::ALREADY_EXISTS},
      {StatusCode::kFailedPrecondition, grpc::StatusCode::FAILED_PRECONDITION},
      {StatusCode::kUnavailable, grpc::StatusCode::UNAVAILABLE},
      {StatusCode::kResourceExhausted, grpc::StatusCode::RESOURCE_EXHAUSTED},
      {StatusCode::kAborted, grpc::StatusCode::ABORTED},
      {StatusCode::kOutOfRange, grpc::StatusCode::OUT_OF_RANGE},
      {StatusCode::kInternal, grpc::StatusCode::INTERNAL},
  };
  for (const auto& [code, grpc_code] : cases) {
    const grpc::Status g = ToGrpc(Status(code, "web1 is running: cannot start"));
    EXPECT_EQ(g.error_code(), grpc_code) << static_cast<int>(code);
    EXPECT_EQ(g.error_message(), "web1 is running: cannot start");
  }
  EXPECT_TRUE(ToGrpc(Status::Ok()).ok());
}

}  // namespace
}  // namespace switchyard::kvm
