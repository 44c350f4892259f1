#include "kvm-host/qemu/qmp_client.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kvm-host/qemu/qmp_message.h"
#include "tests/unit/kvm-host/run_io.h"

namespace switchyard::kvm {
namespace {

namespace asio = boost::asio;
using asio::local::stream_protocol;
using namespace std::chrono_literals;

constexpr char kGreeting[] =
    R"({"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""},)"
    R"( "capabilities": ["oob"]}})";

// QEMU's side of a QMP socket, on the test's io_context: greets, answers
// qmp_capabilities, records every message it receives and hands commands
// to `on_request`; it writes whatever raw bytes a test asks for, so tests
// can split, merge, reorder and corrupt lines. One client at a time; once
// either side closes, it accepts the next.
class FakeQmpServer {
 public:
  FakeQmpServer(asio::io_context& io, const std::string& path)
      : io_(io), acceptor_(io, stream_protocol::endpoint(path)) {
    Accept();
  }

  std::string greeting = kGreeting;  // empty: never greet
  bool answer_capabilities = true;
  std::function<void(const QmpJson& request)> on_request;

  std::vector<QmpJson> received;
  int accepted = 0;
  bool client_closed = false;

  void Send(const std::string& raw) {
    out_.push_back(raw);
    if (out_.size() == 1) {
      WriteNext();
    }
  }
  void SendLine(const std::string& text) { Send(text + "\r\n"); }
  // Each piece in a write of its own, `gap` apart, so the client reads
  // them separately.
  void SendPieces(const std::vector<std::string>& pieces, std::chrono::milliseconds gap) {
    for (size_t i = 0; i < pieces.size(); ++i) {
      auto timer = std::make_shared<asio::steady_timer>(io_, gap * static_cast<int>(i));
      timer->async_wait([this, timer, piece = pieces[i]](const boost::system::error_code& ec) {
        if (!ec) {
          Send(piece);
        }
      });
    }
  }
  void Reply(const QmpJson& request, const std::string& return_json) {
    SendLine(R"({"return": )" + return_json + R"(, "id": )" + request.at("id").dump() + "}");
  }
  void CloseClient() {
    boost::system::error_code ignored;
    socket_->close(ignored);
    out_.clear();
    Accept();
  }
  // Commands received after the handshake.
  std::vector<std::string> Commands() const {
    std::vector<std::string> names;
    for (const QmpJson& r : received) {
      if (QmpString(r, "execute") != "qmp_capabilities") {
        names.push_back(QmpString(r, "execute"));
      }
    }
    return names;
  }

 private:
  void Accept() {
    socket_ = std::make_shared<stream_protocol::socket>(io_);
    acceptor_.async_accept(*socket_, [this, s = socket_](const boost::system::error_code& ec) {
      if (ec) {
        return;
      }
      ++accepted;
      client_closed = false;
      in_.clear();
      if (!greeting.empty()) {
        SendLine(greeting);
      }
      Read(s);
    });
  }

  void Read(std::shared_ptr<stream_protocol::socket> s) {
    s->async_read_some(asio::buffer(buf_),
                       [this, s](const boost::system::error_code& ec, size_t n) {
                         if (s != socket_) {
                           return;
                         }
                         if (ec) {
                           client_closed = true;
                           Accept();  // ready for the client's next attempt
                           return;
                         }
                         in_.append(buf_, n);
                         for (size_t nl; (nl = in_.find('\n')) != std::string::npos;) {
                           const std::string line = in_.substr(0, nl);
                           in_.erase(0, nl + 1);
                           QmpJson request;
                           std::string error;
                           EXPECT_TRUE(ParseQmp(line, &request, &error)) << line << ": " << error;
                           received.push_back(request);
                           if (QmpString(request, "execute") == "qmp_capabilities") {
                             EXPECT_EQ(line, R"({"execute":"qmp_capabilities"})");
                             if (answer_capabilities) {
                               SendLine(R"({"return": {}})");
                               continue;
                             }
                           }
                           if (on_request) {
                             on_request(request);
                           }
                         }
                         Read(s);
                       });
  }

  void WriteNext() {
    asio::async_write(*socket_, asio::buffer(out_.front()),
                      [this, s = socket_](const boost::system::error_code& ec, size_t) {
                        if (s != socket_ || ec) {
                          return;
                        }
                        out_.pop_front();
                        if (!out_.empty()) {
                          WriteNext();
                        }
                      });
  }

  asio::io_context& io_;
  stream_protocol::acceptor acceptor_;
  std::shared_ptr<stream_protocol::socket> socket_;
  char buf_[4096];
  std::string in_;
  std::deque<std::string> out_;
};

struct Result {
  bool called = false;
  bool ok = false;
  std::string text;
};

QmpClient::ResultFn Into(Result* r) {
  return [r](bool ok, const std::string& text) {
    EXPECT_FALSE(r->called) << "callback called twice";
    *r = {true, ok, text};
  };
}

class QmpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sy-qmp-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/qmp.sock";
    client_ = std::make_unique<QmpClient>(io_);
    client_->set_event_handler([this](const std::string& name, const std::string& data) {
      events_.push_back(name + " " + data);
    });
    client_->set_closed_handler([this](const std::string& reason) { closed_.push_back(reason); });
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    return testing::RunUntil(io_, done, limit);
  }
  void RunFor(std::chrono::milliseconds d) { testing::RunFor(io_, d); }

  struct Ready {
    bool called = false;
    boost::system::error_code ec;
    std::string error;
  };
  Ready ConnectTo(const std::string& path, std::chrono::milliseconds timeout = 5s) {
    Ready ready;
    client_->Connect(
        path,
        [&ready](const boost::system::error_code& ec, const std::string& error) {
          EXPECT_FALSE(ready.called) << "ready called twice";
          ready = {true, ec, error};
        },
        timeout);
    EXPECT_FALSE(ready.called) << "ready called from inside Connect()";
    EXPECT_TRUE(RunUntil([&ready] { return ready.called; }));
    return ready;
  }
  void StartServer() { server_ = std::make_unique<FakeQmpServer>(io_, path_); }
  void ConnectClient() {
    StartServer();
    Ready ready = ConnectTo(path_);
    ASSERT_FALSE(ready.ec) << ready.error;
    ASSERT_TRUE(client_->ready());
  }
  size_t Pending() const { return server_->Commands().size(); }

  asio::io_context io_;
  std::string dir_;
  std::string path_;
  std::unique_ptr<FakeQmpServer> server_;
  std::unique_ptr<QmpClient> client_;
  std::vector<std::string> events_;
  std::vector<std::string> closed_;
};

TEST_F(QmpClientTest, HandshakeThenQueryStatus) {
  ConnectClient();
  ASSERT_EQ(server_->received.size(), 1u);
  EXPECT_EQ(QmpString(server_->received[0], "execute"), "qmp_capabilities");
  server_->on_request = [this](const QmpJson& request) {
    EXPECT_EQ(QmpString(request, "execute"), "query-status");
    EXPECT_FALSE(request.contains("arguments"));
    EXPECT_TRUE(request.at("id").is_number());
    server_->Reply(request, R"({"status": "paused", "singlestep": false, "running": false})");
  };
  bool called = false;
  client_->QueryStatus([&called](bool ok, const std::string& status) {
    called = true;
    EXPECT_TRUE(ok);
    EXPECT_EQ(status, "paused");
  });
  ASSERT_TRUE(RunUntil([&called] { return called; }));
  EXPECT_TRUE(closed_.empty());
  EXPECT_EQ(client_->path(), path_);
}

TEST_F(QmpClientTest, RepliesOutOfOrderMatchTheirCommandsById) {
  ConnectClient();
  std::vector<QmpJson> requests;
  server_->on_request = [&requests](const QmpJson& request) { requests.push_back(request); };
  std::vector<std::string> order;
  Result a, b, c;
  auto record = [&order](Result* r, std::string name) {
    return [r, name, &order](bool ok, const std::string& text) {
      order.push_back(name);
      *r = {true, ok, text};
    };
  };
  client_->Execute("cmd-a", "", record(&a, "a"));
  client_->Execute("cmd-b", R"({"x": 1})", record(&b, "b"));
  client_->Execute("cmd-c", "", record(&c, "c"));
  ASSERT_TRUE(RunUntil([&requests] { return requests.size() == 3; }));
  EXPECT_NE(requests[0].at("id").dump(), requests[1].at("id").dump());
  EXPECT_NE(requests[1].at("id").dump(), requests[2].at("id").dump());
  EXPECT_EQ(DumpQmp(requests[1].at("arguments")), R"({"x":1})");
  // c, then a, then b; each returns its own command's name.
  for (int i : {2, 0, 1}) {
    server_->Reply(requests[i], R"({"was": ")" + QmpString(requests[i], "execute") + "\"}");
  }
  ASSERT_TRUE(RunUntil([&] { return a.called && b.called && c.called; }));
  EXPECT_EQ(order, (std::vector<std::string>{"c", "a", "b"}));
  EXPECT_TRUE(a.ok && b.ok && c.ok);
  EXPECT_EQ(a.text, R"({"was":"cmd-a"})");
  EXPECT_EQ(b.text, R"({"was":"cmd-b"})");
  EXPECT_EQ(c.text, R"({"was":"cmd-c"})");
}

TEST_F(QmpClientTest, EventsInterleavedWithReplies) {
  ConnectClient();
  std::vector<QmpJson> requests;
  server_->on_request = [&requests](const QmpJson& request) { requests.push_back(request); };
  Result first, second;
  client_->Execute("stop", "", Into(&first));
  client_->Execute("cont", "", Into(&second));
  ASSERT_TRUE(RunUntil([&requests] { return requests.size() == 2; }));
  const std::string id1 = requests[0].at("id").dump();
  const std::string id2 = requests[1].at("id").dump();
  // One write: an event, the second reply, an event without data, the first reply.
  server_->Send(R"({"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"})"
                "\r\n"
                R"({"return": {"n": 2}, "id": )" +
                id2 +
                "}\r\n"
                R"({"event": "RESUME", "data": {"why": "a \"quoted\" reason"}})"
                "\r\n"
                R"({"return": {"n": 1}, "id": )" +
                id1 + "}\r\n");
  ASSERT_TRUE(RunUntil([&] { return first.called && second.called; }));
  EXPECT_EQ(first.text, R"({"n":1})");
  EXPECT_EQ(second.text, R"({"n":2})");
  EXPECT_EQ(events_,
            (std::vector<std::string>{"STOP {}", R"(RESUME {"why":"a \"quoted\" reason"})"}));
}

TEST_F(QmpClientTest, LinesSplitAcrossReadsAreReassembled) {
  ConnectClient();
  std::vector<QmpJson> requests;
  server_->on_request = [&requests](const QmpJson& request) { requests.push_back(request); };
  Result r1, r2;
  client_->Execute("one", "", Into(&r1));
  client_->Execute("two", "", Into(&r2));
  ASSERT_TRUE(RunUntil([&requests] { return requests.size() == 2; }));
  const std::string reply1 =
      R"({"return": {"s": "x\ny"}, "id": )" + requests[0].at("id").dump() + "}\r\n";
  std::vector<std::string> pieces;
  for (char ch : reply1) {
    pieces.emplace_back(1, ch);  // byte by byte, the \r\n split too
  }
  pieces.push_back(R"({"event": "ST)");
  pieces.push_back("OP\"}\r");
  pieces.push_back("\n\r\n");  // an empty line in between is nothing
  pieces.push_back(R"({"return": {}, "id": )" + requests[1].at("id").dump() + "}\r\n{\"ev");
  pieces.push_back("ent\": \"RESUME\"}\n");  // a bare \n ends a line too
  server_->SendPieces(pieces, 2ms);
  ASSERT_TRUE(RunUntil([&] { return r2.called && events_.size() == 2; }));
  EXPECT_TRUE(r1.ok);
  EXPECT_EQ(r1.text, R"({"s":"x\ny"})");
  EXPECT_TRUE(r2.ok);
  EXPECT_EQ(events_, (std::vector<std::string>{"STOP {}", "RESUME {}"}));
  EXPECT_TRUE(closed_.empty());
}

TEST_F(QmpClientTest, QmpErrorReplyFailsWithTheErrorObject) {
  ConnectClient();
  server_->on_request = [this](const QmpJson& request) {
    server_->SendLine(
        R"({"error": {"class": "CommandNotFound", "desc": "The command nope has not been found"},)"
        R"( "id": )" +
        request.at("id").dump() + "}");
  };
  Result r;
  client_->Execute("nope", "", Into(&r));
  ASSERT_TRUE(RunUntil([&r] { return r.called; }));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, R"({"class":"CommandNotFound","desc":"The command nope has not been found"})");
  EXPECT_EQ(QmpClient::ErrorDesc(r.text), "The command nope has not been found");
  EXPECT_EQ(QmpClient::ErrorDesc("QMP connection closed"), "QMP connection closed");
  EXPECT_TRUE(client_->ready());  // an error reply is no connection problem

  // QueryStatus passes the readable message on.
  bool called = false;
  client_->QueryStatus([&called](bool ok, const std::string& status) {
    called = true;
    EXPECT_FALSE(ok);
    EXPECT_EQ(status, "The command nope has not been found");
  });
  ASSERT_TRUE(RunUntil([&called] { return called; }));
}

TEST_F(QmpClientTest, ArgumentsAreSentEscapedOnOneLine) {
  ConnectClient();
  std::vector<QmpJson> requests;
  server_->on_request = [&](const QmpJson& request) {
    requests.push_back(request);
    server_->Reply(request, "{}");
  };
  Result r;
  client_->Execute("human-monitor-command",
                   "{\n  \"command-line\": \"info \\\"x\\\"\\nnext\\u00e9\",\n  \"n\": [1, 2]\n}",
                   Into(&r));
  ASSERT_TRUE(RunUntil([&r] { return r.called; }));
  EXPECT_TRUE(r.ok) << r.text;
  ASSERT_EQ(requests.size(), 1u);  // the server splits at '\n': one line came
  EXPECT_EQ(QmpString(requests[0], "execute"), "human-monitor-command");
  EXPECT_EQ(QmpString(requests[0].at("arguments"), "command-line"), "info \"x\"\nnext\xc3\xa9");
  EXPECT_EQ(DumpQmp(requests[0].at("arguments").at("n")), "[1,2]");
  // A command name needing escapes stays one JSON string.
  Result odd;
  client_->Execute("we\"ird\n", "  ", Into(&odd));
  ASSERT_TRUE(RunUntil([&odd] { return odd.called; }));
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(QmpString(requests[1], "execute"), "we\"ird\n");
  EXPECT_FALSE(requests[1].contains("arguments"));
}

TEST_F(QmpClientTest, BadArgumentsFailWithoutSending) {
  ConnectClient();
  for (const char* bad : {"{\"a\": ", "[1, 2]", "\"s\"", "{} {}"}) {
    Result r;
    client_->Execute("device_add", bad, Into(&r));
    EXPECT_FALSE(r.called) << "called from inside Execute()";
    ASSERT_TRUE(RunUntil([&r] { return r.called; }));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.text.rfind("arguments of device_add: ", 0), 0u) << r.text;
  }
  RunFor(50ms);
  EXPECT_TRUE(server_->Commands().empty());
  EXPECT_TRUE(client_->ready());
}

TEST_F(QmpClientTest, LifecycleWrappersSendTheirCommands) {
  ConnectClient();
  server_->on_request = [this](const QmpJson& request) { server_->Reply(request, "{}"); };
  std::vector<Result> results(5);
  client_->Stop(Into(&results[0]));
  client_->Cont(Into(&results[1]));
  client_->SystemReset(Into(&results[2]));
  client_->SystemPowerdown(Into(&results[3]));
  client_->Quit(Into(&results[4]));
  client_->Stop(nullptr);  // no callback wanted
  ASSERT_TRUE(RunUntil([&] { return results[4].called && server_->Commands().size() == 6; }));
  for (const Result& r : results) {
    EXPECT_TRUE(r.called && r.ok);
    EXPECT_EQ(r.text, "{}");
  }
  EXPECT_EQ(server_->Commands(), (std::vector<std::string>{"stop", "cont", "system_reset",
                                                           "system_powerdown", "quit", "stop"}));
}

TEST_F(QmpClientTest, ServerClosingMidCommandFailsPendingCommands) {
  ConnectClient();
  Result a, b;
  client_->Execute("query-status", "", Into(&a));
  client_->Execute("query-cpus-fast", "", Into(&b));
  ASSERT_TRUE(RunUntil([this] { return Pending() == 2; }));
  server_->CloseClient();
  ASSERT_TRUE(RunUntil([&] { return a.called && b.called && !closed_.empty(); }));
  EXPECT_FALSE(a.ok);
  EXPECT_EQ(a.text, "QMP connection closed");
  EXPECT_FALSE(b.ok);
  EXPECT_EQ(b.text, "QMP connection closed");
  ASSERT_EQ(closed_.size(), 1u);
  EXPECT_EQ(closed_[0], "QMP socket " + path_ + ": closed by QEMU");
  EXPECT_FALSE(client_->ready());
  Result late;
  client_->Execute("query-status", "", Into(&late));
  ASSERT_TRUE(RunUntil([&late] { return late.called; }));
  EXPECT_EQ(late.text, "QMP not connected");
  RunFor(50ms);
  EXPECT_EQ(closed_.size(), 1u);

  // The same client connects again once QEMU listens again.
  Ready again = ConnectTo(path_);
  EXPECT_FALSE(again.ec) << again.error;
  EXPECT_EQ(server_->accepted, 2);
}

TEST_F(QmpClientTest, MalformedJsonFromTheServerEndsTheConnection) {
  ConnectClient();
  Result r;
  client_->Execute("query-status", "", Into(&r));
  ASSERT_TRUE(RunUntil([this] { return Pending() == 1; }));
  server_->Send("{\"return\": {}, \"id\": 1\r\n");
  ASSERT_TRUE(RunUntil([&] { return r.called && !closed_.empty(); }));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "QMP connection closed");
  ASSERT_EQ(closed_.size(), 1u);
  EXPECT_EQ(closed_[0].rfind("QMP socket " + path_ + ": malformed QMP message (at byte ", 0), 0u)
      << closed_[0];
  EXPECT_FALSE(client_->ready());
  EXPECT_TRUE(RunUntil([this] { return server_->client_closed; }));
}

TEST_F(QmpClientTest, NonObjectMessageEndsTheConnection) {
  ConnectClient();
  server_->SendLine("[1, 2]");
  ASSERT_TRUE(RunUntil([this] { return !closed_.empty(); }));
  EXPECT_NE(closed_[0].find("not a JSON object"), std::string::npos) << closed_[0];
}

TEST_F(QmpClientTest, DeeplyNestedMessageEndsTheConnection) {
  ConnectClient();
  const size_t depth = kMaxQmpDepth + 10;
  server_->SendLine(R"({"event": "X", "data": )" + std::string(depth, '[') +
                    std::string(depth, ']') + "}");
  ASSERT_TRUE(RunUntil([this] { return !closed_.empty(); }));
  EXPECT_NE(closed_[0].find("malformed QMP message (nesting deeper than 512 levels)"),
            std::string::npos)
      << closed_[0];
  EXPECT_TRUE(events_.empty());
  EXPECT_FALSE(client_->ready());
}

TEST_F(QmpClientTest, RepliesToNothingAreIgnored) {
  ConnectClient();
  server_->on_request = [this](const QmpJson& request) {
    server_->SendLine(R"({"return": {"stray": 1}, "id": 999})");
    server_->SendLine(R"({"error": {"class": "GenericError", "desc": "no id"}})");
    server_->SendLine(R"({"return": {}, "id": "text"})");
    // Our ids are unsigned integers: 1.0 and -1 are not id 1.
    server_->SendLine(R"({"return": {"float": true}, "id": )" + request.at("id").dump() + ".0}");
    server_->SendLine(R"({"return": {}, "id": -1})");
    server_->SendLine(R"({"something": "else"})");
    server_->Reply(request, R"({"mine": true})");
  };
  Result r;
  client_->Execute("query-status", "", Into(&r));
  ASSERT_TRUE(RunUntil([&r] { return r.called; }));
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.text, R"({"mine":true})");
  EXPECT_TRUE(client_->ready());
}

TEST_F(QmpClientTest, AnUnansweredCommandTimesOutAndTheConnectionStays) {
  ConnectClient();
  std::vector<QmpJson> requests;
  server_->on_request = [&requests](const QmpJson& request) { requests.push_back(request); };
  Result stuck, fine;
  client_->Execute("stuck", "", Into(&stuck), std::chrono::milliseconds(100));
  client_->Execute("fine", "", Into(&fine), std::chrono::milliseconds(5000));
  ASSERT_TRUE(RunUntil([&stuck] { return stuck.called; }));
  EXPECT_FALSE(stuck.ok);
  EXPECT_EQ(stuck.text, "QMP command stuck unanswered after 100 ms");
  EXPECT_FALSE(fine.called);
  // The late answer to the first is ignored; the second still gets its own.
  ASSERT_TRUE(RunUntil([&requests] { return requests.size() == 2; }));
  server_->Reply(requests[0], R"({"late": true})");
  server_->Reply(requests[1], R"({"in": "time"})");
  ASSERT_TRUE(RunUntil([&fine] { return fine.called; }));
  EXPECT_TRUE(fine.ok);
  EXPECT_EQ(fine.text, R"({"in":"time"})");
  EXPECT_TRUE(client_->ready());
  EXPECT_TRUE(closed_.empty());
}

TEST_F(QmpClientTest, ConnectToAMissingSocketNamesIt) {
  const std::string missing = dir_ + "/missing.sock";
  Ready ready = ConnectTo(missing);
  EXPECT_EQ(ready.ec, boost::system::errc::no_such_file_or_directory) << ready.ec.message();
  EXPECT_EQ(ready.error, "cannot connect to QMP socket " + missing + ": No such file or directory");
  EXPECT_FALSE(client_->ready());
  EXPECT_TRUE(closed_.empty());
}

TEST_F(QmpClientTest, ConnectToASocketNobodyListensOn) {
  {
    stream_protocol::acceptor gone(io_, stream_protocol::endpoint(path_));
  }  // the file stays, the listener is gone
  Ready ready = ConnectTo(path_);
  EXPECT_EQ(ready.ec, boost::system::errc::connection_refused) << ready.ec.message();
  EXPECT_NE(ready.error.find(path_), std::string::npos) << ready.error;
}

TEST_F(QmpClientTest, TooLongPathFails) {
  const std::string long_path = dir_ + "/" + std::string(120, 'x');
  Ready ready = ConnectTo(long_path);
  EXPECT_TRUE(ready.ec);
  EXPECT_NE(ready.error.find("path longer than"), std::string::npos) << ready.error;
}

TEST_F(QmpClientTest, WrongGreetingFails) {
  StartServer();
  server_->greeting = R"({"hello": "world"})";
  Ready ready = ConnectTo(path_);
  EXPECT_EQ(ready.ec, boost::system::errc::protocol_error);
  EXPECT_EQ(ready.error.rfind("QMP socket " + path_ + ": expected the QMP greeting, got ", 0), 0u)
      << ready.error;
  EXPECT_FALSE(client_->ready());
  EXPECT_TRUE(RunUntil([this] { return server_->client_closed; }));
}

TEST_F(QmpClientTest, GarbageGreetingFails) {
  StartServer();
  server_->greeting = "SSH-2.0-OpenSSH_9.2";
  Ready ready = ConnectTo(path_);
  EXPECT_EQ(ready.ec, boost::system::errc::protocol_error);
  EXPECT_NE(ready.error.find("malformed QMP message"), std::string::npos) << ready.error;
}

TEST_F(QmpClientTest, RefusedCapabilitiesFail) {
  StartServer();
  server_->answer_capabilities = false;
  server_->on_request = [this](const QmpJson&) {
    server_->SendLine(R"({"error": {"class": "GenericError", "desc": "nope"}})");
  };
  Ready ready = ConnectTo(path_);
  EXPECT_EQ(ready.ec, boost::system::errc::protocol_error);
  EXPECT_EQ(ready.error, "QMP socket " + path_ + ": qmp_capabilities failed: nope");
  EXPECT_TRUE(closed_.empty());
}

TEST_F(QmpClientTest, ServerClosingDuringTheHandshakeFails) {
  StartServer();
  server_->answer_capabilities = false;
  server_->on_request = [this](const QmpJson&) { server_->CloseClient(); };
  Ready ready = ConnectTo(path_);
  EXPECT_TRUE(ready.ec);
  EXPECT_EQ(ready.error,
            "QMP socket " + path_ + ": closed by QEMU before the QMP handshake finished");
  EXPECT_TRUE(closed_.empty());
}

TEST_F(QmpClientTest, SilentServerTimesOut) {
  StartServer();
  server_->greeting = "";
  const auto start = std::chrono::steady_clock::now();
  Ready ready = ConnectTo(path_, 100ms);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  EXPECT_EQ(ready.ec, boost::system::errc::timed_out);
  EXPECT_EQ(ready.error, "QMP socket " + path_ + ": no QMP handshake within 100 ms");
  EXPECT_TRUE(RunUntil([this] { return server_->client_closed; }));
}

TEST_F(QmpClientTest, ConnectWhileConnectedFails) {
  ConnectClient();
  Ready second = ConnectTo(path_);
  EXPECT_EQ(second.ec, boost::asio::error::already_connected);
  EXPECT_TRUE(client_->ready());  // the first connection is untouched
}

TEST_F(QmpClientTest, ExecuteBeforeConnectFailsLater) {
  Result r;
  client_->Execute("query-status", "", Into(&r));
  EXPECT_FALSE(r.called);
  ASSERT_TRUE(RunUntil([&r] { return r.called; }));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "QMP not connected");
}

TEST_F(QmpClientTest, CloseFailsPendingCommandsButNotOnClosed) {
  ConnectClient();
  Result r;
  client_->Execute("query-status", "", Into(&r));
  ASSERT_TRUE(RunUntil([this] { return Pending() == 1; }));
  client_->Close();
  EXPECT_FALSE(r.called);  // not from inside Close()
  EXPECT_FALSE(client_->ready());
  ASSERT_TRUE(RunUntil([&r] { return r.called; }));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.text, "QMP connection closed");
  EXPECT_TRUE(RunUntil([this] { return server_->client_closed; }));
  RunFor(50ms);
  EXPECT_TRUE(closed_.empty());
}

TEST_F(QmpClientTest, CloseDuringTheHandshakeAbortsIt) {
  StartServer();
  server_->greeting = "";
  Ready ready;
  client_->Connect(path_, [&ready](const boost::system::error_code& ec, const std::string& error) {
    ready = {true, ec, error};
  });
  RunFor(20ms);
  client_->Close();
  ASSERT_TRUE(RunUntil([&ready] { return ready.called; }));
  EXPECT_EQ(ready.ec, boost::asio::error::operation_aborted);
  EXPECT_NE(ready.error.find(path_), std::string::npos);
}

TEST_F(QmpClientTest, DestroyedClientCallsNothing) {
  ConnectClient();
  std::vector<QmpJson> requests;
  server_->on_request = [&requests](const QmpJson& request) { requests.push_back(request); };
  Result r;
  client_->Execute("query-status", "", Into(&r));
  ASSERT_TRUE(RunUntil([&requests] { return requests.size() == 1; }));
  client_.reset();
  server_->Reply(requests[0], "{}");
  server_->SendLine(R"({"event": "STOP"})");
  EXPECT_TRUE(RunUntil([this] { return server_->client_closed; }));
  RunFor(50ms);
  EXPECT_FALSE(r.called);
  EXPECT_TRUE(events_.empty());
  EXPECT_TRUE(closed_.empty());
}

TEST_F(QmpClientTest, DestroyedClientDropsCallbacksAlreadyPosted) {
  ConnectClient();
  Result pending;
  client_->Execute("query-status", "", Into(&pending));
  ASSERT_TRUE(RunUntil([this] { return Pending() == 1; }));
  client_->Close();  // posts the pending command's failure
  Result refused;
  client_->Execute("query-status", "", Into(&refused));  // posts "not connected"
  client_.reset();
  RunFor(50ms);
  EXPECT_FALSE(pending.called);
  EXPECT_FALSE(refused.called);
}

TEST_F(QmpClientTest, CloseThenConnectAgainAtOnce) {
  ConnectClient();
  Result old;
  client_->Execute("query-status", "", Into(&old));
  client_->Close();
  // The old connection's aborted read and write are still queued; they
  // must not touch the new one.
  Ready again = ConnectTo(path_);
  EXPECT_FALSE(again.ec) << again.error;
  EXPECT_TRUE(client_->ready());
  EXPECT_TRUE(old.called);
  EXPECT_EQ(old.text, "QMP connection closed");
  server_->on_request = [this](const QmpJson& request) { server_->Reply(request, "{}"); };
  Result fresh;
  client_->Cont(Into(&fresh));
  ASSERT_TRUE(RunUntil([&fresh] { return fresh.called; }));
  EXPECT_TRUE(fresh.ok);
  EXPECT_EQ(server_->accepted, 2);
  EXPECT_TRUE(closed_.empty());
}

TEST_F(QmpClientTest, ClientDestroyedFromItsOwnCallback) {
  ConnectClient();
  std::vector<QmpJson> requests;
  server_->on_request = [&requests](const QmpJson& request) { requests.push_back(request); };
  bool called = false;
  client_->Execute("quit", "", [this, &called](bool, const std::string&) {
    called = true;
    client_.reset();
  });
  Result other;
  client_->Execute("query-status", "", Into(&other));
  ASSERT_TRUE(RunUntil([&requests] { return requests.size() == 2; }));
  // Both replies and an event in one read: the rest of it is dropped.
  server_->Send(R"({"return": {}, "id": )" + requests[0].at("id").dump() + "}\r\n" +
                R"({"event": "SHUTDOWN"})" + "\r\n" + R"({"return": {}, "id": )" +
                requests[1].at("id").dump() + "}\r\n");
  ASSERT_TRUE(RunUntil([&called] { return called; }));
  RunFor(50ms);
  EXPECT_FALSE(other.called);
  EXPECT_TRUE(events_.empty());
}

TEST_F(QmpClientTest, ReconnectFromInsideTheReadyCallback) {
  StartServer();
  server_->greeting = R"({"not": "qmp"})";
  int attempts = 0;
  bool ready = false;
  std::function<void()> connect = [&] {
    client_->Connect(path_, [&](const boost::system::error_code& ec, const std::string&) {
      ++attempts;
      if (ec) {
        server_->greeting = kGreeting;  // QEMU is up properly now
        connect();
      } else {
        ready = true;
      }
    });
  };
  connect();
  ASSERT_TRUE(RunUntil([&ready] { return ready; }));
  EXPECT_EQ(attempts, 2);
  EXPECT_TRUE(client_->ready());
}

}  // namespace
}  // namespace switchyard::kvm
