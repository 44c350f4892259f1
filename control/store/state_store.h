// The state directory: the desired config (state.json), saved atomically
// after every change and loaded at start; the DHCP leases (leases.json),
// saved the same way when they change; and a lock so that only one
// switchyardd uses a directory at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "control/model/desired_state.h"

namespace switchyard::dp {
struct LeaseReport;
}

namespace switchyard::ctl {

// What a graceful stop leaves for the next start: the learned FDB entries
// (network, entry), so that guests are not flooded to until they speak.
struct WarmState {
  uint64_t saved_unix_s = 0;
  std::vector<std::pair<std::string, dp::FdbRow>> fdb;
};

class StateStore {
 public:
  // Creates `dir` (mode 0700) when missing and takes its lock.
  // FAILED_PRECONDITION, naming the holder's PID, when another process has it.
  static Status Open(const std::string& dir, std::unique_ptr<StateStore>* out);
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // `*found` is false (and `state` empty) when nothing was saved yet.
  // `revision` (optional) gets the revision the state was saved at.
  Status Load(DesiredState* state, bool* found, uint64_t* revision = nullptr) const;
  // Write to a temporary file, fsync it, rename it over state.json, fsync
  // the directory: after a crash the file is the old or the new state.
  Status Save(const DesiredState& state, uint64_t revision = 0) const;

  // The leases, written as Save() writes the config. They are kept apart
  // from it: they change with guests' traffic, not with the API, and
  // losing them costs guests their addresses, never the switch its config.
  Status SaveLeases(const std::vector<dp::LeaseReport>& leases) const;
  // `*found` is false (and `leases` empty) when none were saved.
  // FAILED_PRECONDITION for a corrupt file or another version, which the
  // caller logs and starts without.
  Status LoadLeases(std::vector<dp::LeaseReport>* leases, bool* found) const;

  // What Load(), LoadLeases() and TakeWarm() make of a file's text; `path`
  // only names it in errors. No file is touched.
  static Status ParseState(const std::string& text, const std::string& path, DesiredState* state,
                           uint64_t* revision = nullptr);
  static Status ParseLeases(const std::string& text, const std::string& path,
                            std::vector<dp::LeaseReport>* leases);
  static Status ParseWarm(const std::string& text, const std::string& path, WarmState* warm);

  // The warm state (warm.json), written at a graceful stop.
  Status SaveWarm(const WarmState& warm) const;
  // Reads the warm state and removes its file, whatever it holds: it is
  // used once. `*found` is false when there was none; FAILED_PRECONDITION
  // for a corrupt file or another version, which the caller logs.
  Status TakeWarm(WarmState* warm, bool* found) const;

  const std::string& dir() const { return dir_; }
  std::string state_path() const { return dir_ + "/state.json"; }
  std::string leases_path() const { return dir_ + "/leases.json"; }
  std::string warm_path() const { return dir_ + "/warm.json"; }

 private:
  StateStore(std::string dir, int lock_fd) : dir_(std::move(dir)), lock_fd_(lock_fd) {}

  std::string dir_;
  int lock_fd_;
};

}  // namespace switchyard::ctl
