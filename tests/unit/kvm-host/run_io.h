// Driving a Boost.Asio io_context from a test: until a condition holds, or
// for a while.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <thread>

namespace switchyard::kvm::testing {

// Runs `io` until `done` holds or `limit` passes; false on the deadline.
inline bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    io.restart();
    if (io.run_one_for(std::chrono::milliseconds(10)) == 0 && io.stopped()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // nothing to do at all
    }
  }
  return true;
}

// Runs whatever is ready now and what it triggers, for `d`.
inline void RunFor(boost::asio::io_context& io, std::chrono::milliseconds d) {
  io.restart();
  io.run_for(d);
}

}  // namespace switchyard::kvm::testing
