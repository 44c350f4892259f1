#include "kvm-host/qemu/console_log.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/kvm-host/run_io.h"

namespace switchyard::kvm {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using asio::local::stream_protocol;
using namespace std::chrono_literals;

// Lines a guest might print, numbered so that order and gaps show.
std::string ConsoleText(size_t bytes) {
  std::string out;
  for (int line = 0; out.size() < bytes; ++line) {
    out += "[" + std::to_string(line) + "] a guest that never stops talking\r\n";
  }
  out.resize(bytes);
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ConsoleLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sy-console-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/console.log";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Every regular file in the directory and its size.
  std::vector<std::pair<std::string, uint64_t>> Listing() const {
    std::vector<std::pair<std::string, uint64_t>> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (!e.is_regular_file()) {
        continue;  // the fake QEMU's socket
      }
      out.emplace_back(e.path().filename().string(), fs::file_size(e.path()));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  uint64_t OnDisk() const {
    uint64_t total = 0;
    for (const auto& [name, size] : Listing()) {
      total += size;
    }
    return total;
  }
  // The log's files read oldest first, as one text.
  std::string Joined(int files) const {
    std::string out;
    for (const std::string& f : RotatingLog::Files(path_, files)) {
      out += ReadFile(f);
    }
    return out;
  }

  std::string dir_;
  std::string path_;
};

TEST_F(ConsoleLogTest, BelowTheCapEverythingIsInOneFile) {
  RotatingLog log(path_, {4096, 3});
  std::string error;
  ASSERT_TRUE(log.Open(&error)) << error;
  const std::string text = ConsoleText(3000);
  log.Write(text.substr(0, 1000));
  log.Write(text.substr(1000));
  EXPECT_EQ(ReadFile(path_), text);
  EXPECT_EQ(Listing().size(), 1u);
  EXPECT_EQ(log.counters().bytes, 3000u);
  EXPECT_EQ(log.counters().rotations, 0u);
  EXPECT_EQ(log.counters().dropped_bytes, 0u);
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(ConsoleLogTest, AGuestWritingWithoutEndLeavesAtMostTheCapAndTheNewestOutput) {
  constexpr uint64_t kFile = 4096;
  RotatingLog log(path_, {kFile, 3});
  ASSERT_TRUE(log.Open(nullptr));
  // Chunks of every size, as reads from a socket come: 100 times the cap.
  const std::string text = ConsoleText(100 * 3 * kFile);
  size_t at = 0;
  for (size_t chunk = 1; at < text.size(); chunk = chunk * 7 % 9001 + 1) {
    const size_t n = std::min(chunk, text.size() - at);
    log.Write(std::string_view(text).substr(at, n));
    at += n;
    ASSERT_LE(OnDisk(), 3 * kFile) << "after " << at << " bytes";
  }
  const auto files = Listing();
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].first, "console.log");
  EXPECT_EQ(files[1].first, "console.log.1");
  EXPECT_EQ(files[2].first, "console.log.2");
  for (const auto& [name, size] : files) {
    EXPECT_LE(size, kFile) << name;
  }
  // The older files are full; together they are the end of what was
  // written, in order.
  EXPECT_EQ(files[1].second, kFile);
  EXPECT_EQ(files[2].second, kFile);
  const std::string kept = Joined(3);
  EXPECT_EQ(kept, text.substr(text.size() - kept.size()));
  EXPECT_EQ(log.counters().bytes, text.size());
  EXPECT_EQ(log.counters().dropped_bytes, text.size() - kept.size());
  EXPECT_EQ(log.counters().rotations, (text.size() - 1) / kFile);
}

TEST_F(ConsoleLogTest, OneWriteLargerThanEveryFileTogetherIsCutToTheCap) {
  RotatingLog log(path_, {4096, 2});
  ASSERT_TRUE(log.Open(nullptr));
  const std::string text = ConsoleText(5 * 4096 + 100);
  log.Write(text);
  EXPECT_LE(OnDisk(), 2 * 4096u);
  const std::string kept = Joined(2);
  EXPECT_EQ(kept, text.substr(text.size() - kept.size()));
  EXPECT_EQ(ReadFile(path_).size(), 100u);
  EXPECT_EQ(log.counters().rotations, 5u);
}

TEST_F(ConsoleLogTest, WithOneFileTheLogStartsOver) {
  RotatingLog log(path_, {4096, 1});
  ASSERT_TRUE(log.Open(nullptr));
  const std::string text = ConsoleText(4096 + 10);
  log.Write(text);
  EXPECT_EQ(Listing().size(), 1u);
  EXPECT_EQ(ReadFile(path_), text.substr(4096));
  EXPECT_EQ(log.counters().dropped_bytes, 4096u);
  EXPECT_EQ(log.counters().rotations, 1u);
}

TEST_F(ConsoleLogTest, ARotationPutsANewFileAtThePathForFollowersToNotice) {
  RotatingLog log(path_, {4096, 2});
  ASSERT_TRUE(log.Open(nullptr));
  log.Write(ConsoleText(4096));
  struct stat before {};
  ASSERT_EQ(stat(path_.c_str(), &before), 0);
  log.Write("x");
  struct stat after {};
  struct stat older {};
  ASSERT_EQ(stat(path_.c_str(), &after), 0);
  ASSERT_EQ(stat((path_ + ".1").c_str(), &older), 0);
  // tail -F and `yardctl vm console` follow the name: they see another
  // file there and finish the old one first.
  EXPECT_NE(after.st_ino, before.st_ino);
  EXPECT_EQ(older.st_ino, before.st_ino);
  EXPECT_EQ(ReadFile(path_), "x");
}

TEST_F(ConsoleLogTest, OpenFitsWhatIsThereToTheLimits) {
  // Left by QEMU writing the file itself (an older agent), and by a run
  // with more files.
  const std::string old_text = ConsoleText(3 * 4096);
  std::ofstream(path_, std::ios::binary) << old_text;
  std::ofstream(path_ + ".1", std::ios::binary) << ConsoleText(2 * 4096);
  std::ofstream(path_ + ".2", std::ios::binary) << "old";
  std::ofstream(path_ + ".3", std::ios::binary) << "older";
  RotatingLog log(path_, {4096, 2});
  ASSERT_TRUE(log.Open(nullptr));
  const auto files = Listing();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(ReadFile(path_), old_text.substr(old_text.size() - 4096));
  EXPECT_EQ(ReadFile(path_ + ".1"), ConsoleText(2 * 4096).substr(4096));
  EXPECT_EQ(log.counters().dropped_bytes, 2 * 4096u + 4096u + 3u + 5u);
  // What comes next starts a new file: the old one is full.
  log.Write("new");
  EXPECT_EQ(ReadFile(path_), "new");
  EXPECT_LE(OnDisk(), 2 * 4096u);
}

TEST_F(ConsoleLogTest, OpenAppendsToALogBelowTheCap) {
  std::ofstream(path_, std::ios::binary) << "before\n";
  RotatingLog log(path_, {4096, 2});
  ASSERT_TRUE(log.Open(nullptr));
  log.Write("after\n");
  EXPECT_EQ(ReadFile(path_), "before\nafter\n");
  log.Write(ConsoleText(4096));
  EXPECT_EQ(ReadFile(path_ + ".1").size(), 4096u);  // the cap counted what was there
}

TEST_F(ConsoleLogTest, WhatCannotBeWrittenIsCountedDropped) {
  RotatingLog log(dir_ + "/missing/console.log", {4096, 2});
  std::string error;
  EXPECT_FALSE(log.Open(&error));
  EXPECT_NE(error.find(dir_ + "/missing/console.log"), std::string::npos) << error;
  log.Write("lost");
  EXPECT_EQ(log.counters().dropped_bytes, 4u);
  EXPECT_EQ(log.counters().bytes, 0u);
  EXPECT_FALSE(log.last_error().empty());
}

TEST_F(ConsoleLogTest, FilesListsOldestFirstAndOnlyThoseThere) {
  std::ofstream(path_) << "c";
  std::ofstream(path_ + ".2") << "a";
  EXPECT_EQ(RotatingLog::Files(path_, 3), (std::vector<std::string>{path_ + ".2", path_}));
  EXPECT_EQ(RotatingLog::Files(path_, 1), (std::vector<std::string>{path_}));
}

// QEMU's side of the console socket: accepts the reader, writes what the
// test gives it, and closes when told (QEMU exiting).
class FakeConsole {
 public:
  FakeConsole(asio::io_context& io, const std::string& path)
      : acceptor_(io, stream_protocol::endpoint(path)), socket_(io) {
    acceptor_.async_accept(socket_,
                           [this](const boost::system::error_code& ec) { accepted_ = !ec; });
  }
  bool accepted() const { return accepted_; }
  void Write(const std::string& data) { asio::write(socket_, asio::buffer(data)); }
  void Close() { socket_.close(); }

 private:
  stream_protocol::acceptor acceptor_;
  stream_protocol::socket socket_;
  bool accepted_ = false;
};

TEST_F(ConsoleLogTest, TheReaderCopiesTheConsoleIntoTheBoundedLog) {
  asio::io_context io;
  FakeConsole qemu(io, dir_ + "/console.sock");
  ConsoleReader reader(io, path_, {4096, 2});
  bool connected = false;
  reader.Connect(dir_ + "/console.sock",
                 [&](const boost::system::error_code& ec, const std::string& error) {
                   EXPECT_FALSE(ec) << error;
                   connected = !ec;
                 });
  ASSERT_TRUE(testing::RunUntil(
      io, [&] { return connected && qemu.accepted(); }, 5s));
  EXPECT_TRUE(reader.connected());
  const std::string text = ConsoleText(10 * 4096 + 123);
  // Written from a thread: the socket's buffer is smaller than the text,
  // and only the io_context's thread reads it.
  std::thread writer([&] {
    qemu.Write(text);
    qemu.Close();
  });
  ASSERT_TRUE(testing::RunUntil(
      io, [&] { return !reader.connected(); }, 10s));
  writer.join();
  EXPECT_EQ(reader.counters().bytes, text.size());
  EXPECT_LE(OnDisk(), 2 * 4096u);
  const std::string kept = Joined(2);
  EXPECT_EQ(kept, text.substr(text.size() - kept.size()));
  EXPECT_EQ(reader.counters().dropped_bytes, text.size() - kept.size());
}

TEST_F(ConsoleLogTest, DrainTakesQemusLastWordsWithoutWaiting) {
  asio::io_context io;
  FakeConsole qemu(io, dir_ + "/console.sock");
  ConsoleReader reader(io, path_, {4096, 2});
  reader.Connect(dir_ + "/console.sock", nullptr);
  ASSERT_TRUE(testing::RunUntil(
      io, [&] { return reader.connected() && qemu.accepted(); }, 5s));
  qemu.Write("SY-GUEST-POWEROFF\r\n");
  qemu.Close();
  reader.Drain();  // no io_context run in between
  EXPECT_EQ(ReadFile(path_), "SY-GUEST-POWEROFF\r\n");
  EXPECT_FALSE(reader.connected());
  reader.Close();
  EXPECT_EQ(reader.counters().bytes, 19u);  // the counters stay
}

TEST_F(ConsoleLogTest, NoSocketNoConnectionAndNoLog) {
  asio::io_context io;
  ConsoleReader reader(io, path_, {4096, 2});
  boost::system::error_code got;
  bool called = false;
  reader.Connect(dir_ + "/console.sock",
                 [&](const boost::system::error_code& ec, const std::string& error) {
                   got = ec;
                   called = true;
                   EXPECT_NE(error.find("console.sock"), std::string::npos) << error;
                 });
  EXPECT_FALSE(called);  // posted, never from inside Connect()
  ASSERT_TRUE(testing::RunUntil(
      io, [&] { return called; }, 5s));
  EXPECT_TRUE(got);
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(ConsoleLogTest, NoCallbackAfterTheReaderIsGone) {
  asio::io_context io;
  FakeConsole qemu(io, dir_ + "/console.sock");
  bool called = false;
  {
    ConsoleReader reader(io, path_, {4096, 2});
    reader.Connect(dir_ + "/console.sock",
                   [&](const boost::system::error_code&, const std::string&) { called = true; });
  }
  testing::RunFor(io, 100ms);
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace switchyard::kvm
