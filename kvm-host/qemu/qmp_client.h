// An asynchronous QMP (QEMU Machine Protocol) client on a Boost.Asio
// io_context: one per QEMU process, over the unix socket QEMU listens on
// (`-qmp unix:PATH,server=on,wait=off`).
//
// QMP is one JSON object per line. QEMU greets with {"QMP": {...}}, answers
// nothing but qmp_capabilities until that is sent, then takes commands
// {"execute": ..., "arguments": {...}, "id": N} and answers each with
// {"return": ...} or {"error": {"class": ..., "desc": ...}} carrying the
// same id, in any order relative to the asynchronous events
// ({"event": ..., "data": {...}, "timestamp": {...}}) it sends meanwhile.
// Commands are pipelined: each gets a fresh id and its callback runs when
// the reply with that id arrives.
//
// Thread context: single-threaded. Every method must be called on the
// thread running the io_context, and every callback runs there too, from an
// io_context handler, never from inside the method call that registered it
// (so a callback may call back into the client, or destroy it, freely).
//
// Lifetime: every Connect() gets exactly one ready callback and every
// Execute() exactly one result callback, unless the client is destroyed
// first: destroying the client cancels everything silently, and no
// callback runs once its destructor has started.
//
// Deadlines: the handshake has a timeout, and so has every command (a
// stuck QEMU main loop answers nothing): a command unanswered by then fails
// with "QMP command NAME unanswered after N ms", and a late answer to it is
// ignored; the connection stays. A caller that gives up on the connection
// calls Close(), which fails the pending commands.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace switchyard::kvm {

class QmpClient {
 public:
  // ec is empty once the handshake is done; otherwise `error` says why,
  // naming the socket path. ec tells retryable cases apart: the socket not
  // there yet (no_such_file_or_directory), nobody listening
  // (connection_refused), timed_out, protocol_error, operation_aborted (the
  // caller's Close()).
  using ReadyFn =
      std::function<void(const boost::system::error_code& ec, const std::string& error)>;
  // ok: `text` is the "return" value as compact JSON ("{}" for most
  // commands). !ok: `text` is QEMU's "error" object as JSON
  // ({"class":"GenericError","desc":"..."}) when QEMU answered, or a plain
  // message when no answer can come: "QMP connection closed", "QMP not
  // connected", or a complaint about the arguments. ErrorDesc() makes
  // either readable.
  using ResultFn = std::function<void(bool ok, const std::string& text)>;
  // ok: `status` is QEMU's run state ("running", "paused", "shutdown",
  // "prelaunch", "inmigrate", "internal-error", ...). !ok: an error message.
  using StatusFn = std::function<void(bool ok, const std::string& status)>;
  // An event's name ("SHUTDOWN", "STOP", ...) and its "data" as compact
  // JSON ("{}" when the event has none).
  using EventFn = std::function<void(const std::string& name, const std::string& data_json)>;
  // Why an established connection ended, naming the socket path.
  using ClosedFn = std::function<void(const std::string& reason)>;

  static constexpr std::chrono::milliseconds kHandshakeTimeout{10000};
  static constexpr std::chrono::milliseconds kCommandTimeout{10000};
  // A message longer than this ends the connection (QEMU's largest reply,
  // query-qmp-schema, is a few hundred KiB).
  static constexpr size_t kMaxMessageBytes = size_t{16} << 20;

  explicit QmpClient(boost::asio::io_context& io);
  ~QmpClient();
  QmpClient(const QmpClient&) = delete;
  QmpClient& operator=(const QmpClient&) = delete;

  // Handlers for events and for the end of an established connection
  // (QEMU closed the socket, a read or write failed, or QEMU sent something
  // that is not QMP). on_closed is not called for a failed handshake (the
  // ready callback says it) nor for the caller's own Close(). Pending
  // commands fail with "QMP connection closed" before on_closed runs.
  void set_event_handler(EventFn on_event);
  void set_closed_handler(ClosedFn on_closed);

  // Connects to the QMP socket at `path`, reads the greeting, negotiates
  // capabilities and calls on_ready. A failure leaves the client closed;
  // retrying is the caller's business (Connect() again, also from inside
  // on_ready). Connecting while connecting or connected fails at once
  // (already_connected).
  void Connect(const std::string& path, ReadyFn on_ready,
               std::chrono::milliseconds timeout = kHandshakeTimeout);

  // Sends `command` with `arguments_json` (a JSON object as text; empty for
  // none) and calls done with its reply, or with a failure when `timeout`
  // passes first. Fails without sending when not connected or when the
  // arguments are not a JSON object. `done` may be empty.
  void Execute(const std::string& command, const std::string& arguments_json, ResultFn done,
               std::chrono::milliseconds timeout = kCommandTimeout);

  // Ends the connection, if any: a handshake under way fails with
  // operation_aborted, pending commands with "QMP connection closed";
  // on_closed is not called. The client can Connect() again.
  void Close();

  // The handshake is done and the connection is up.
  bool ready() const;
  // The socket path of the last Connect().
  const std::string& path() const;

  // Lifecycle commands the agent uses.
  void QueryStatus(StatusFn done);
  void SystemPowerdown(ResultFn done);  // ACPI power button; the guest may ignore it
  void Stop(ResultFn done);             // pause the vCPUs
  void Cont(ResultFn done);             // resume them
  void SystemReset(ResultFn done);
  void Quit(ResultFn done);  // QEMU answers, then exits and closes the socket

  // A readable message from a failed result's text: a QMP error object's
  // "desc", else the text itself.
  static std::string ErrorDesc(const std::string& text);

 private:
  class State;
  std::shared_ptr<State> state_;  // shared with in-flight handlers
};

}  // namespace switchyard::kvm
