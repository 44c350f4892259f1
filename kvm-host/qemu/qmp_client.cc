#include "kvm-host/qemu/qmp_client.h"

#include <sys/un.h>

#include <algorithm>
#include <array>
#include <boost/asio/error.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <map>
#include <string_view>
#include <utility>

#include "kvm-host/qemu/qmp_message.h"

namespace switchyard::kvm {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr char kClosedText[] = "QMP connection closed";
constexpr char kNotConnectedText[] = "QMP not connected";

// At most `max` bytes of `s`, for quoting a peer's message in an error.
std::string Excerpt(std::string_view s, size_t max = 200) {
  return s.size() <= max ? std::string(s) : std::string(s.substr(0, max)) + "...";
}

error_code ProtocolError() {
  return boost::system::errc::make_error_code(boost::system::errc::protocol_error);
}

}  // namespace

// Everything the client owns, shared with its in-flight handlers so that
// they find live memory even after ~QmpClient(). Handlers carry the
// connection's generation: those of a connection already closed return at
// once, as do all of them once `destroyed_` is set.
class QmpClient::State : public std::enable_shared_from_this<State> {
 public:
  enum class Phase { kIdle, kConnecting, kGreeting, kCapabilities, kReady, kClosed };

  explicit State(asio::io_context& io) : io_(io), socket_(io), timer_(io), command_timer_(io) {}

  void Connect(const std::string& path, ReadyFn on_ready, std::chrono::milliseconds timeout);
  void Execute(const std::string& command, const std::string& arguments_json, ResultFn done,
               std::chrono::milliseconds timeout);
  // Ends the connection from the caller's side: callbacks are posted.
  void Close();
  // ~QmpClient(): ends everything, no callbacks.
  void Destroy();

  bool ready() const { return phase_ == Phase::kReady; }
  const std::string& path() const { return path_; }

  EventFn on_event_;
  ClosedFn on_closed_;

 private:
  bool Current(uint64_t generation) const { return !destroyed_ && generation == generation_; }
  bool Handshaking() const {
    return phase_ == Phase::kConnecting || phase_ == Phase::kGreeting ||
           phase_ == Phase::kCapabilities;
  }
  // Runs `fn` later on the io_context unless the client is destroyed by then.
  void Post(std::function<void()> fn);

  void StartRead();
  void OnRead(const error_code& ec, size_t n);
  // One message; false when it ended the connection (or the client).
  bool HandleLine(std::string_view line);
  void Send(std::string line);
  void WriteNext();

  // Ends the connection from inside a handler, calling back at once.
  void FailHandshake(const error_code& ec, const std::string& error);
  void Lost(const std::string& reason);
  // Either of the two, by phase; `what` is prefixed with the socket.
  void Fail(const error_code& ec, const std::string& what);
  // Closes the socket and timer and forgets queued writes.
  void Shut();
  // Fails the pending commands whose deadline has passed, then waits for
  // the next deadline.
  void ArmCommandTimer();
  void ExpireCommands();

  struct Pending {
    ResultFn done;
    std::string command;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::milliseconds timeout;
  };

  asio::io_context& io_;
  asio::local::stream_protocol::socket socket_;
  asio::steady_timer timer_;
  asio::steady_timer command_timer_;
  bool command_timer_armed_ = false;
  Phase phase_ = Phase::kIdle;
  uint64_t generation_ = 0;
  bool destroyed_ = false;
  std::string path_;
  ReadyFn on_ready_;
  std::array<char, 16384> read_buf_{};
  std::string in_;      // received bytes not yet handled
  size_t scanned_ = 0;  // bytes of in_ known to hold no '\n'
  std::deque<std::string> out_;
  bool writing_ = false;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Pending> pending_;
};

void QmpClient::State::Post(std::function<void()> fn) {
  asio::post(io_, [self = shared_from_this(), fn = std::move(fn)] {
    if (!self->destroyed_) {
      fn();
    }
  });
}

void QmpClient::State::Connect(const std::string& path, ReadyFn on_ready,
                               std::chrono::milliseconds timeout) {
  if (Handshaking() || phase_ == Phase::kReady) {
    Post([on_ready = std::move(on_ready), path] {
      on_ready(asio::error::already_connected,
               "QMP socket " + path + ": the client is already connected or connecting");
    });
    return;
  }
  if (path.size() >= sizeof(sockaddr_un::sun_path)) {
    Post([on_ready = std::move(on_ready), path] {
      on_ready(boost::system::errc::make_error_code(boost::system::errc::filename_too_long),
               "QMP socket " + path + ": path longer than " +
                   std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes");
    });
    return;
  }
  Shut();
  const uint64_t generation = ++generation_;
  phase_ = Phase::kConnecting;
  path_ = path;
  on_ready_ = std::move(on_ready);
  in_.clear();
  scanned_ = 0;

  timer_.expires_after(timeout);
  timer_.async_wait([self = shared_from_this(), generation, timeout](const error_code& ec) {
    if (ec || !self->Current(generation) || !self->Handshaking()) {
      return;
    }
    self->FailHandshake(asio::error::timed_out, "QMP socket " + self->path_ +
                                                    ": no QMP handshake within " +
                                                    std::to_string(timeout.count()) + " ms");
  });
  socket_.async_connect(asio::local::stream_protocol::endpoint(path),
                        [self = shared_from_this(), generation](const error_code& ec) {
                          if (!self->Current(generation) || !self->Handshaking()) {
                            return;
                          }
                          if (ec) {
                            self->FailHandshake(ec, "cannot connect to QMP socket " + self->path_ +
                                                        ": " + ec.message());
                            return;
                          }
                          self->phase_ = Phase::kGreeting;
                          self->StartRead();
                        });
}

void QmpClient::State::StartRead() {
  socket_.async_read_some(
      asio::buffer(read_buf_),
      [self = shared_from_this(), generation = generation_](const error_code& ec, size_t n) {
        if (self->Current(generation)) {
          self->OnRead(ec, n);
        }
      });
}

void QmpClient::State::OnRead(const error_code& ec, size_t n) {
  if (ec) {
    if (ec == asio::error::eof) {
      Fail(ec,
           Handshaking() ? "closed by QEMU before the QMP handshake finished" : "closed by QEMU");
    } else {
      Fail(ec, "read: " + ec.message());
    }
    return;
  }
  in_.append(read_buf_.data(), n);
  const uint64_t generation = generation_;
  size_t begin = 0;
  while (true) {
    const size_t nl = in_.find('\n', std::max(begin, scanned_));
    if (nl == std::string::npos) {
      break;
    }
    std::string_view line(in_.data() + begin, nl - begin);
    begin = nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    // A callback may close, reconnect or destroy the client; then `in_`
    // belongs to someone else and this read is over.
    if (!HandleLine(line) || !Current(generation)) {
      return;
    }
  }
  in_.erase(0, begin);
  scanned_ = in_.size();
  if (in_.size() > kMaxMessageBytes) {
    Fail(ProtocolError(), "message longer than " + std::to_string(kMaxMessageBytes) + " bytes");
    return;
  }
  StartRead();
}

bool QmpClient::State::HandleLine(std::string_view line) {
  QmpJson msg;
  std::string error;
  if (!ParseQmp(line, &msg, &error)) {
    Fail(ProtocolError(), "malformed QMP message (" + error + "): " + Excerpt(line));
    return false;
  }
  if (!msg.is_object()) {
    Fail(ProtocolError(), "QMP message is not a JSON object: " + Excerpt(line));
    return false;
  }
  if (QmpMember(msg, "event") != nullptr) {
    if (on_event_) {
      const QmpJson* data = QmpMember(msg, "data");
      EventFn on_event = on_event_;  // the handler may replace itself
      on_event(QmpString(msg, "event"), data == nullptr || data->is_null() ? "{}" : DumpQmp(*data));
    }
    return true;
  }
  const QmpJson* const result = QmpMember(msg, "return");
  const QmpJson* const failure = QmpMember(msg, "error");
  switch (phase_) {
    case Phase::kGreeting: {
      const QmpJson* greeting = QmpMember(msg, "QMP");
      if (greeting == nullptr || !greeting->is_object()) {
        Fail(ProtocolError(), "expected the QMP greeting, got " + Excerpt(line));
        return false;
      }
      phase_ = Phase::kCapabilities;
      Send("{\"execute\":\"qmp_capabilities\"}\n");
      return true;
    }
    case Phase::kCapabilities:
      if (result != nullptr) {
        phase_ = Phase::kReady;
        timer_.cancel();
        ReadyFn on_ready = std::move(on_ready_);
        on_ready_ = nullptr;
        on_ready(error_code(), "");
        return true;
      }
      if (failure != nullptr) {
        Fail(ProtocolError(), "qmp_capabilities failed: " + ErrorDesc(DumpQmp(*failure)));
        return false;
      }
      return true;  // nothing else is meant for us yet
    case Phase::kReady: {
      const bool ok = result != nullptr;
      if (!ok && failure == nullptr) {
        return true;  // not a reply: nothing to do with it
      }
      // Our ids are positive integers; any other id answers nothing we asked.
      const QmpJson* id = QmpMember(msg, "id");
      auto it = id != nullptr && id->is_number_unsigned()
                    ? pending_.find(id->get<QmpJson::number_unsigned_t>())
                    : pending_.end();
      if (it == pending_.end()) {
        return true;  // a reply to nothing we asked
      }
      ResultFn done = std::move(it->second.done);
      pending_.erase(it);
      if (done) {
        done(ok, DumpQmp(ok ? *result : *failure));
      }
      return true;
    }
    default:
      return true;
  }
}

void QmpClient::State::Execute(const std::string& command, const std::string& arguments_json,
                               ResultFn done, std::chrono::milliseconds timeout) {
  if (phase_ != Phase::kReady) {
    if (done) {
      Post([done = std::move(done)] { done(false, kNotConnectedText); });
    }
    return;
  }
  QmpJson request = QmpJson::object();
  request["execute"] = command;
  if (arguments_json.find_first_not_of(" \t\r\n") != std::string::npos) {
    QmpJson arguments;
    std::string error;
    if (!ParseQmp(arguments_json, &arguments, &error) || !arguments.is_object()) {
      if (error.empty()) {
        error = "not a JSON object";
      }
      if (done) {
        Post([done = std::move(done), text = "arguments of " + command + ": " + error] {
          done(false, text);
        });
      }
      return;
    }
    request["arguments"] = std::move(arguments);
  }
  const uint64_t id = next_id_++;
  request["id"] = id;
  std::string line = DumpQmp(request) + "\n";  // compact: one line
  pending_.emplace(
      id, Pending{std::move(done), command, std::chrono::steady_clock::now() + timeout, timeout});
  ArmCommandTimer();
  Send(std::move(line));
}

void QmpClient::State::ArmCommandTimer() {
  if (command_timer_armed_ || pending_.empty()) {
    return;
  }
  auto earliest = pending_.begin()->second.deadline;
  for (const auto& [id, p] : pending_) {
    earliest = std::min(earliest, p.deadline);
  }
  command_timer_armed_ = true;
  command_timer_.expires_at(earliest);
  command_timer_.async_wait(
      [self = shared_from_this(), generation = generation_](const error_code& ec) {
        if (!self->Current(generation)) {
          return;
        }
        self->command_timer_armed_ = false;
        if (!ec) {
          self->ExpireCommands();
        }
      });
}

void QmpClient::State::ExpireCommands() {
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::pair<ResultFn, std::string>> late;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->second.deadline <= now) {
      late.emplace_back(std::move(it->second.done),
                        "QMP command " + it->second.command + " unanswered after " +
                            std::to_string(it->second.timeout.count()) + " ms");
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  ArmCommandTimer();
  auto self = shared_from_this();  // a callback may destroy the client
  for (auto& [done, text] : late) {
    if (destroyed_) {
      return;
    }
    if (done) {
      done(false, text);
    }
  }
}

void QmpClient::State::Send(std::string line) {
  out_.push_back(std::move(line));
  if (!writing_) {
    WriteNext();
  }
}

void QmpClient::State::WriteNext() {
  writing_ = true;
  asio::async_write(
      socket_, asio::buffer(out_.front()),
      [self = shared_from_this(), generation = generation_](const error_code& ec, size_t) {
        if (!self->Current(generation)) {
          return;
        }
        self->writing_ = false;
        if (ec) {
          self->Fail(ec, "write: " + ec.message());
          return;
        }
        self->out_.pop_front();
        if (!self->out_.empty()) {
          self->WriteNext();
        }
      });
}

void QmpClient::State::Shut() {
  error_code ignored;
  socket_.close(ignored);
  timer_.cancel();
  command_timer_.cancel();
  command_timer_armed_ = false;
  out_.clear();
  writing_ = false;
}

void QmpClient::State::Fail(const error_code& ec, const std::string& what) {
  if (Handshaking()) {
    FailHandshake(ec, "QMP socket " + path_ + ": " + what);
  } else if (phase_ == Phase::kReady) {
    Lost("QMP socket " + path_ + ": " + what);
  }
}

void QmpClient::State::FailHandshake(const error_code& ec, const std::string& error) {
  ++generation_;
  phase_ = Phase::kClosed;
  Shut();
  ReadyFn on_ready = std::move(on_ready_);
  on_ready_ = nullptr;
  if (on_ready) {
    on_ready(ec, error);
  }
}

void QmpClient::State::Lost(const std::string& reason) {
  ++generation_;
  phase_ = Phase::kClosed;
  Shut();
  std::map<uint64_t, Pending> pending;
  pending.swap(pending_);
  auto self = shared_from_this();  // a callback may destroy the client
  for (auto& [id, p] : pending) {
    if (p.done) {
      p.done(false, kClosedText);
    }
    if (destroyed_) {
      return;
    }
  }
  if (on_closed_) {
    ClosedFn on_closed = on_closed_;
    on_closed(reason);
  }
}

void QmpClient::State::Close() {
  const bool handshaking = Handshaking();
  if (!handshaking && phase_ != Phase::kReady) {
    return;
  }
  ++generation_;
  phase_ = Phase::kClosed;
  Shut();
  if (handshaking && on_ready_) {
    Post([on_ready = std::move(on_ready_), path = path_] {
      on_ready(asio::error::operation_aborted,
               "QMP socket " + path + ": closed before the QMP handshake finished");
    });
  }
  on_ready_ = nullptr;
  for (auto& [id, p] : pending_) {
    if (p.done) {
      Post([done = std::move(p.done)] { done(false, kClosedText); });
    }
  }
  pending_.clear();
}

void QmpClient::State::Destroy() {
  destroyed_ = true;
  ++generation_;
  phase_ = Phase::kClosed;
  Shut();
  // Release what the callbacks hold now, not when the last handler runs.
  on_ready_ = nullptr;
  on_event_ = nullptr;
  on_closed_ = nullptr;
  pending_.clear();
}

QmpClient::QmpClient(asio::io_context& io) : state_(std::make_shared<State>(io)) {}

QmpClient::~QmpClient() { state_->Destroy(); }

void QmpClient::set_event_handler(EventFn on_event) { state_->on_event_ = std::move(on_event); }

void QmpClient::set_closed_handler(ClosedFn on_closed) {
  state_->on_closed_ = std::move(on_closed);
}

void QmpClient::Connect(const std::string& path, ReadyFn on_ready,
                        std::chrono::milliseconds timeout) {
  state_->Connect(path, std::move(on_ready), timeout);
}

void QmpClient::Execute(const std::string& command, const std::string& arguments_json,
                        ResultFn done, std::chrono::milliseconds timeout) {
  state_->Execute(command, arguments_json, std::move(done), timeout);
}

void QmpClient::Close() { state_->Close(); }

bool QmpClient::ready() const { return state_->ready(); }

const std::string& QmpClient::path() const { return state_->path(); }

void QmpClient::QueryStatus(StatusFn done) {
  Execute("query-status", "", [done = std::move(done)](bool ok, const std::string& text) {
    if (!done) {
      return;
    }
    if (!ok) {
      done(false, ErrorDesc(text));
      return;
    }
    QmpJson result;
    (void)ParseQmp(text, &result, nullptr);
    const std::string status = QmpString(result, "status");
    if (status.empty()) {
      done(false, "query-status: no status in " + Excerpt(text));
      return;
    }
    done(true, status);
  });
}

void QmpClient::SystemPowerdown(ResultFn done) { Execute("system_powerdown", "", std::move(done)); }

void QmpClient::Stop(ResultFn done) { Execute("stop", "", std::move(done)); }

void QmpClient::Cont(ResultFn done) { Execute("cont", "", std::move(done)); }

void QmpClient::SystemReset(ResultFn done) { Execute("system_reset", "", std::move(done)); }

void QmpClient::Quit(ResultFn done) { Execute("quit", "", std::move(done)); }

std::string QmpClient::ErrorDesc(const std::string& text) {
  QmpJson error;
  if (ParseQmp(text, &error, nullptr)) {
    if (const QmpJson* desc = QmpMember(error, "desc"); desc != nullptr && desc->is_string()) {
      return desc->get<std::string>();
    }
  }
  return text;
}

}  // namespace switchyard::kvm
