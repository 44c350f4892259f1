// apply, get config: the Config service (the whole desired state at once).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/config_document.h"
#include "cli/verb.h"
#include "switchyard/v1/config.grpc.pb.h"

namespace switchyard::ctl {

namespace {

using Kind = OptionSpec::Kind;

std::string KindName(v1::ObjectKind kind) {
  switch (kind) {
    case v1::OBJECT_KIND_NETWORK:
      return "network";
    case v1::OBJECT_KIND_PORT:
      return "port";
    case v1::OBJECT_KIND_STATIC_MAC:
      return "static MAC";
    default:
      return "object";
  }
}

std::string ActionName(v1::ChangeAction action) {
  switch (action) {
    case v1::CHANGE_ACTION_CREATE:
      return "create";
    case v1::CHANGE_ACTION_UPDATE:
      return "update";
    case v1::CHANGE_ACTION_DELETE:
      return "delete";
    case v1::CHANGE_ACTION_KEEP:
      return "keep";
    default:
      return "change";
  }
}

int Apply(const Call& call) {
  const std::optional<std::string> file = call.args().String("-f");
  if (!file) {
    return call.Usage("missing -f FILE (or -f - for standard input)");
  }
  const std::string& path = *file;
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "yardctl: " << path << ": " << std::strerror(errno) << std::endl;
      return 1;
    }
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  v1::ApplyConfigRequest request;
  if (std::string why = ParseConfigDocument(text, request.mutable_state()); !why.empty()) {
    std::cerr << "yardctl: " << path << ": " << why << std::endl;
    return 1;
  }
  if (auto expected = call.args().String("--expected-revision")) {
    uint64_t n = 0;
    if (!ParseU64(*expected, &n)) {
      return call.Usage("--expected-revision: '" + *expected + "' is not a revision");
    }
    request.set_expected_revision(n);
  }
  request.set_dry_run(call.args().Has("--dry-run"));
  v1::ApplyConfigResponse reply;
  auto stub = v1::Config::NewStub(call.connection().channel());
  // Opening and closing many ports takes longer than one call.
  auto status =
      call.Unary([&](grpc::ClientContext* c) { return stub->Apply(c, request, &reply); }, 60);
  return call.Reply(status, reply, [&] {
    for (const v1::PlannedChange& c : reply.changes()) {
      std::cout << (c.refusal().empty() ? "  " : "! ") << ActionName(c.action()) << " "
                << KindName(c.kind()) << " " << c.name() << (c.reopen() ? " (opened again)" : "");
      if (!c.refusal().empty()) {
        std::cout << ": refused: " << c.refusal();
      }
      std::cout << "\n";
    }
    if (request.dry_run()) {
      std::cout << "dry run: " << reply.changes_size() << " change(s) planned, nothing changed"
                << " (revision " << reply.revision() << ")\n";
    } else if (reply.changes_size() == 0) {
      std::cout << "nothing to change (revision " << reply.revision() << ")\n";
    } else {
      std::cout << "applied: revision " << reply.revision() << "\n";
    }
  });
}

int GetConfig(const Call& call) {
  v1::GetConfigResponse reply;
  auto stub = v1::Config::NewStub(call.connection().channel());
  auto status = call.Unary(
      [&](grpc::ClientContext* c) { return stub->Get(c, v1::GetConfigRequest(), &reply); });
  return call.Reply(status, reply,
                    [&] { std::cout << ConfigDocumentYaml(reply.state(), reply.revision()); });
}

}  // namespace

std::vector<Verb> ConfigVerbs() {
  return {
      {"apply",
       "-f FILE|- [--dry-run] [--expected-revision N]",
       {{}, {{"-f"}, {"--dry-run", Kind::kFlag}, {"--expected-revision"}}},
       Apply},
      {"get config", "", {{}, {}}, GetConfig},
  };
}

}  // namespace switchyard::ctl
