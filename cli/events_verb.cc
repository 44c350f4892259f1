// events: the Events.Watch stream, printed as events arrive, until --count
// events, the server ends the stream, or Ctrl-C/SIGTERM.
#include <algorithm>
#include <iostream>

#include "cli/output.h"
#include "cli/stop_signal.h"
#include "cli/verb.h"
#include "switchyard/v1/events.grpc.pb.h"

namespace switchyard::ctl {

namespace {

using Kind = OptionSpec::Kind;

// The longest type name, "guest-disconnected", so that details line up.
constexpr int kTypeWidth = 18;

// The server's sentence; the fields when it has none.
std::string Describe(const v1::Event& e) {
  if (!e.detail().empty()) {
    return e.detail();
  }
  std::string out;
  auto add = [&](const char* key, const std::string& value) {
    if (!value.empty()) {
      out += (out.empty() ? "" : " ") + std::string(key) + "=" + value;
    }
  };
  add("network", e.network());
  add("port", e.port());
  add("mac", e.mac());
  if (!e.mac().empty()) {
    add("vlan", std::to_string(e.vlan()));
  }
  add("previous-port", e.previous_port());
  return out;
}

// Prints one line (two after a gap), flushed. Returns 0, like PrintJson.
int PrintEvent(const v1::Event& e) {
  const std::string time = UtcTime(e.time().seconds(), e.time().nanos() / 1000000);
  if (e.missed() != 0) {
    std::cout << time << "  " << e.missed()
              << " events missed: this watcher fell behind and lost the oldest\n";
  }
  std::string type = EventTypeName(e.type());
  type.resize(std::max<size_t>(type.size(), kTypeWidth), ' ');
  std::cout << time << "  " << type << "  " << Describe(e);
  if (e.type() == v1::EVENT_TYPE_CONFIG_CHANGED) {
    std::cout << " (revision " << e.revision() << ")";
  }
  std::cout << std::endl;
  return 0;
}

int Events(const Call& call) {
  v1::WatchRequest request;
  for (const auto& name : call.args().All("--type")) {
    v1::EventType type;
    if (!ParseEventType(name, &type)) {
      return call.Usage("--type: unknown event type '" + name + "' (one of " + EventTypeNames() +
                        ")");
    }
    request.add_types(type);
  }
  request.set_network(call.args().String("--network").value_or(""));
  if (auto from = call.args().String("--from-revision")) {
    uint64_t revision = 0;
    if (!ParseU64(*from, &revision)) {
      return call.Usage("--from-revision: '" + *from + "' is not a revision");
    }
    request.set_from_revision(revision);
  }
  const uint32_t count = call.args().U32("--count").value_or(0);  // 0: until stopped

  auto stub = v1::Events::NewStub(call.connection().channel());
  StopSignal stop;
  // No deadline: the stream lasts until one of its ends above.
  grpc::ClientContext context;
  grpc::Status status;
  // We end the call ourselves after --count events, or when an event
  // cannot be printed; the CANCELLED status that follows is no error.
  int ended_by_us = -1;  // the exit code when we did
  {
    StopSignal::Guard guard(stop, &context);
    auto reader = stub->Watch(&context, request);
    v1::Event event;
    uint32_t received = 0;
    while (reader->Read(&event)) {
      if (int rc = call.json() ? PrintJson(event) : PrintEvent(event); rc != 0) {
        ended_by_us = rc;
      } else if (count != 0 && ++received >= count) {
        ended_by_us = 0;
      }
      if (ended_by_us >= 0) {
        context.TryCancel();
        break;
      }
    }
    status = reader->Finish();
  }
  if (ended_by_us >= 0) {
    return ended_by_us;
  }
  return stop.stopped() || status.ok() ? 0 : call.connection().Fail(status);
}

}  // namespace

std::vector<Verb> EventsVerbs() {
  return {
      {"events",
       "[--type TYPE]... [--network NET] [--count N] [--from-revision N]",
       {{},
        {{"--type", Kind::kString, /*repeatable=*/true},
         {"--network"},
         {"--from-revision"},
         {"--count", Kind::kU32, false, /*min=*/1}}},
       Events},
  };
}

}  // namespace switchyard::ctl
