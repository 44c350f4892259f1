#include "control/store/state_store.h"

#include <errno.h>
#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "common/atomic_file.h"
#include "control/api/convert.h"

namespace switchyard::ctl {

namespace {

Status Errno(const std::string& what) {
  return Status(StatusCode::kUnavailable, what + ": " + std::strerror(errno));
}

// The whole of `path`, or *found = false when there is no such file. A
// file that is there but cannot be read (a directory, an I/O error, no
// permission) is an error: taking it for missing would start the switch
// empty and let the next change overwrite what it holds.
Status ReadIfThere(const std::string& path, std::string* text, bool* found) {
  text->clear();
  *found = false;
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return Status::Ok();
    }
    return Status(StatusCode::kFailedPrecondition,
                  path + " is there but cannot be opened: " + std::strerror(errno) +
                      "; fix or move it (the switch will not start over it)");
  }
  *found = true;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(fd, buf, sizeof(buf));
    if (n == 0) {
      break;
    }
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      const int err = errno;
      close(fd);
      return Status(StatusCode::kFailedPrecondition,
                    path + " is there but cannot be read: " + std::strerror(err) +
                        "; fix or move it (the switch will not start over it)");
    }
    text->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return Status::Ok();
}

bool ToJson(const google::protobuf::Message& msg, std::string* json) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = true;
  return google::protobuf::util::MessageToJsonString(msg, json, options).ok();
}

}  // namespace

Status StateStore::Open(const std::string& dir, std::unique_ptr<StateStore>* out) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return Status(StatusCode::kUnavailable, "state dir " + dir + ": " + ec.message());
  }
  chmod(dir.c_str(), 0700);
  const std::string lock_path = dir + "/lock";
  int fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Errno("state dir " + dir + ": cannot open " + lock_path);
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char pid[32] = {};
    ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
    close(fd);
    std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : "unknown";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) {
      holder.pop_back();
    }
    return Status(StatusCode::kFailedPrecondition,
                  "state dir " + dir + " is in use by another switchyardd (pid " + holder + ")");
  }
  // The lock dies with the process (even on kill -9); the PID is for people.
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    close(fd);
    return Errno("state dir " + dir + ": cannot write " + lock_path);
  }
  out->reset(new StateStore(dir, fd));
  return Status::Ok();
}

StateStore::~StateStore() { close(lock_fd_); }

Status StateStore::Load(DesiredState* state, bool* found, uint64_t* revision) const {
  *state = DesiredState{};
  std::string text;
  if (Status s = ReadIfThere(state_path(), &text, found); !s.ok() || !*found) {
    return s;
  }
  return ParseState(text, state_path(), state, revision);
}

Status StateStore::ParseState(const std::string& text, const std::string& path, DesiredState* state,
                              uint64_t* revision) {
  *state = DesiredState{};
  store::State msg;
  auto parsed = google::protobuf::util::JsonStringToMessage(text, &msg);
  if (!parsed.ok()) {
    return Status(StatusCode::kFailedPrecondition,
                  path + " is corrupt: " + std::string(parsed.message()));
  }
  if (Status s = StateFromProto(msg, state); !s.ok()) {
    return Status(s.code(), path + ": " + s.message());
  }
  if (revision != nullptr) {
    *revision = msg.revision();
  }
  return Status::Ok();
}

Status StateStore::Save(const DesiredState& state, uint64_t revision) const {
  std::string json;
  store::State msg = StateToProto(state);
  msg.set_revision(revision);
  if (!ToJson(msg, &json)) {
    return Status(StatusCode::kInternal, "state: cannot serialise");
  }
  return WriteFileAtomically(state_path(), json);
}

Status StateStore::SaveLeases(const std::vector<dp::LeaseReport>& leases) const {
  store::Leases msg;
  msg.set_version(1);
  for (const auto& lease : leases) {
    *msg.add_leases() = LeaseToProto(lease);
  }
  std::string json;
  if (!ToJson(msg, &json)) {
    return Status(StatusCode::kInternal, "leases: cannot serialise");
  }
  return WriteFileAtomically(leases_path(), json);
}

namespace {

// A version 1 file's message from its JSON text; FAILED_PRECONDITION naming
// `path` when it is corrupt or of another version.
template <typename Msg>
Status ParseVersioned(const std::string& text, const std::string& path, Msg* msg) {
  auto parsed = google::protobuf::util::JsonStringToMessage(text, msg);
  if (!parsed.ok()) {
    return Status(StatusCode::kFailedPrecondition,
                  path + " is corrupt: " + std::string(parsed.message()));
  }
  if (msg->version() != 1) {
    return Status(StatusCode::kFailedPrecondition,
                  path + ": version " + std::to_string(msg->version()) + " is not supported");
  }
  return Status::Ok();
}

}  // namespace

Status StateStore::SaveWarm(const WarmState& state) const {
  store::Warm warm;
  warm.set_version(1);
  warm.set_saved_unix_seconds(state.saved_unix_s);
  for (const auto& [network, row] : state.fdb) {
    *warm.add_fdb() = FdbRowToProto(network, row);
  }
  std::string json;
  if (!ToJson(warm, &json)) {
    return Status(StatusCode::kInternal, "warm state: cannot serialise");
  }
  return WriteFileAtomically(warm_path(), json);
}

Status StateStore::TakeWarm(WarmState* warm, bool* found) const {
  std::string text;
  if (Status s = ReadIfThere(warm_path(), &text, found); !s.ok() || !*found) {
    return s;
  }
  unlink(warm_path().c_str());
  return ParseWarm(text, warm_path(), warm);
}

Status StateStore::ParseWarm(const std::string& text, const std::string& path, WarmState* warm) {
  *warm = WarmState{};
  store::Warm msg;
  if (Status s = ParseVersioned(text, path, &msg); !s.ok()) {
    return s;
  }
  WarmState out;
  out.saved_unix_s = msg.saved_unix_seconds();
  for (const v1::FdbEntry& e : msg.fdb()) {
    dp::FdbRow row;
    if (Status s = FdbRowFromProto(e, &row); !s.ok()) {
      return Status(StatusCode::kFailedPrecondition, path + " is corrupt: " + s.message());
    }
    out.fdb.emplace_back(e.network(), row);
  }
  *warm = std::move(out);
  return Status::Ok();
}

Status StateStore::LoadLeases(std::vector<dp::LeaseReport>* leases, bool* found) const {
  leases->clear();
  std::string text;
  if (Status s = ReadIfThere(leases_path(), &text, found); !s.ok() || !*found) {
    return s;
  }
  return ParseLeases(text, leases_path(), leases);
}

Status StateStore::ParseLeases(const std::string& text, const std::string& path,
                               std::vector<dp::LeaseReport>* leases) {
  leases->clear();
  store::Leases msg;
  if (Status s = ParseVersioned(text, path, &msg); !s.ok()) {
    return s;
  }
  std::vector<dp::LeaseReport> out;
  for (const auto& l : msg.leases()) {
    dp::LeaseReport lease;
    if (Status s = LeaseFromProto(l, &lease); !s.ok()) {
      return Status(StatusCode::kFailedPrecondition, path + " is corrupt: " + s.message());
    }
    out.push_back(std::move(lease));
  }
  *leases = std::move(out);
  return Status::Ok();
}

}  // namespace switchyard::ctl
