// A VM's serial console, kept on disk within a fixed size.
//
// QEMU does not write the console to a file: it listens on a unix socket
// (`-chardev socket,server=on`), and the agent reads that socket and
// appends what comes to the log. A guest may write without end, so the log
// is bounded: PATH holds the newest output, PATH.1 ... PATH.(files-1) the
// older, each at most `file_bytes`. When PATH is full, the oldest file is
// deleted, the others move up one number, and a new PATH begins (with one
// file, PATH starts over). The disk never holds more than
// files * file_bytes of one VM's console.
//
// When the agent is not there to read, nothing is written: QEMU drops the
// console output of a socket with no one connected (the guest's UART does
// not stall), and a restarted agent connects again. The output of that
// time is lost, which is the price of a bound that holds without the agent.
//
// RotatingLog is the file side, plain blocking writes to a local file;
// ConsoleReader connects to QEMU's socket and feeds a RotatingLog from an
// io_context.
//
// Thread context: a RotatingLog belongs to one thread. ConsoleReader
// belongs to the io_context's thread, like every asio object, and its
// callback runs there, posted, never from inside the call that registered
// it; destroying it cancels everything, and no callback runs after its
// destructor has started.
//
// Errors: functions that can fail return false (or an error code) with a
// sentence naming the file or socket.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::kvm {

struct ConsoleLogLimits {
  uint64_t file_bytes = uint64_t{1} << 20;  // each file, PATH and PATH.N
  int files = 2;                            // PATH and files-1 older ones
};

struct ConsoleLogCounters {
  uint64_t bytes = 0;      // written to the log
  uint64_t rotations = 0;  // times a full PATH was moved to PATH.1 (or started over)
  // Bytes no longer on disk or never there: deleted with the oldest file
  // at a rotation, cut from an oversized file found at Open(), or not
  // written because a write or a rotation failed.
  uint64_t dropped_bytes = 0;
};

class RotatingLog {
 public:
  RotatingLog(std::string path, ConsoleLogLimits limits);
  ~RotatingLog();
  RotatingLog(const RotatingLog&) = delete;
  RotatingLog& operator=(const RotatingLog&) = delete;

  // Opens PATH for appending (made 0640 if missing). What is there already
  // counts towards the bound: files numbered `files` or above are deleted
  // and each file keeps only its last `file_bytes` (both counted dropped),
  // so a log written under larger limits, or by QEMU itself before the
  // agent read the console, fits the new ones at once. False, with
  // *error naming the file, when PATH cannot be opened.
  bool Open(std::string* error);

  // Appends `data`, rotating whenever PATH is full, so a single chunk may
  // end one file and start the next. Never fails: what cannot be written
  // is counted dropped and last_error() says why (a closed or unopenable
  // log, ENOSPC); the next Write() tries to open PATH again.
  void Write(std::string_view data);

  void Close();
  bool is_open() const { return fd_ >= 0; }
  const ConsoleLogCounters& counters() const { return counters_; }
  const std::string& last_error() const { return last_error_; }

  // The files of the log at `path` that exist, oldest first: PATH.(files-1)
  // ... PATH.1, PATH. Reading them in this order gives the console's
  // output in the order the guest wrote it.
  static std::vector<std::string> Files(const std::string& path, int files);

 private:
  std::string Numbered(int n) const;
  // Opens PATH to append, with `flags` besides; sets size_.
  bool OpenPath(int flags);
  void Rotate();
  void Failed(std::string why, uint64_t dropped);

  const std::string path_;
  const ConsoleLogLimits limits_;
  int fd_ = -1;
  uint64_t size_ = 0;  // of PATH
  ConsoleLogCounters counters_;
  std::string last_error_;
};

class ConsoleReader {
 public:
  // ec is empty once connected; otherwise `error` says why, naming the log
  // or the socket (no_such_file_or_directory and connection_refused: QEMU
  // has not made the socket yet, or is gone).
  using ConnectFn =
      std::function<void(const boost::system::error_code& ec, const std::string& error)>;

  ConsoleReader(boost::asio::io_context& io, std::string log_path, ConsoleLogLimits limits);
  ~ConsoleReader();
  ConsoleReader(const ConsoleReader&) = delete;
  ConsoleReader& operator=(const ConsoleReader&) = delete;

  // Connects to QEMU's console socket at `socket`, opens the log
  // (RotatingLog::Open, once connected and unless open already), calls
  // on_connected, and from then on copies whatever QEMU writes into the log
  // until QEMU closes the socket or Close(). A failed Connect() may be
  // tried again; connecting while connected fails with already_connected.
  void Connect(const std::string& socket, ConnectFn on_connected);

  // Copies into the log what the socket holds now, without waiting: QEMU
  // has exited, and its last output is still in the socket's buffer,
  // maybe not yet read by the pending read.
  void Drain();

  // Ends the connection and closes the log; the counters stay.
  void Close();

  bool connected() const;
  ConsoleLogCounters counters() const;

 private:
  class State;
  std::shared_ptr<State> state_;  // shared with in-flight handlers
};

}  // namespace switchyard::kvm
