// Status as a grpc::Status: the one mapping both daemons' API adapters
// use. Apart from status.h so that what does not serve gRPC does not
// include it (target switchyard::grpc_status).
#pragma once

#include <grpcpp/support/status.h>

#include "common/status.h"

namespace switchyard {

inline grpc::Status ToGrpc(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return grpc::Status::OK;
    case StatusCode::kInvalidArgument:
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, status.message());
    case StatusCode::kNotFound:
      return grpc::Status(grpc::StatusCode::NOT_FOUND, status.message());
    case StatusCode::kAlreadyExists:
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, status.message());
    case StatusCode::kFailedPrecondition:
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, status.message());
    case StatusCode::kUnavailable:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, status.message());
    case StatusCode::kResourceExhausted:
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, status.message());
    case StatusCode::kAborted:
      return grpc::Status(grpc::StatusCode::ABORTED, status.message());
    case StatusCode::kOutOfRange:
      return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, status.message());
    case StatusCode::kInternal:
      break;
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, status.message());
}

}  // namespace switchyard
