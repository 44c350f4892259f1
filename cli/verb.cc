#include "cli/verb.h"

#include <iostream>

#include "cli/output.h"

namespace switchyard::ctl {

namespace {

std::string SynopsisLine(const Verb& verb) {
  return verb.synopsis.empty() ? verb.words : verb.words + " " + verb.synopsis;
}

// Breaks `text` at spaces into lines of at most `width` columns, each
// starting with `indent`.
std::string Wrap(const std::string& text, const std::string& indent, size_t width) {
  std::string out;
  std::string line = indent;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    const std::string word = text.substr(start, end - start);
    if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
      out += line + '\n';
      line = indent;
    }
    line += (line.size() > indent.size() ? " " : "") + word;
    start = end + 1;
  }
  return out + line + '\n';
}

}  // namespace

int Call::Usage(const std::string& reason) const {
  return UsageError(verb_.words, reason, {&verb_});
}

const std::shared_ptr<grpc::Channel>& Call::channel() const {
  return verb_.daemon == Daemon::kKvmd ? connection_.kvmd_channel() : connection_.channel();
}

grpc::Status Call::Unary(const std::function<grpc::Status(grpc::ClientContext*)>& rpc,
                         uint32_t min_seconds) const {
  grpc::ClientContext context;
  connection_.SetDeadline(&context, min_seconds);
  return rpc(&context);
}

int Call::Fail(const grpc::Status& status) const { return connection_.Fail(status, verb_.daemon); }

int Call::Reply(const grpc::Status& status, const google::protobuf::Message& response,
                const std::function<void()>& print_for_people) const {
  if (!status.ok()) {
    return Fail(status);
  }
  if (json()) {
    return PrintJson(response);
  }
  print_for_people();
  return 0;
}

int UsageError(std::string_view context, std::string_view reason,
               const std::vector<const Verb*>& verbs) {
  std::cerr << "yardctl: ";
  if (!context.empty()) {
    std::cerr << context << ": ";
  }
  std::cerr << reason << '\n';
  if (verbs.empty()) {
    std::cerr << "usage: yardctl [OPTIONS] VERB [ARGS]  (yardctl --help lists the verbs)\n";
  }
  for (size_t i = 0; i < verbs.size(); ++i) {
    std::cerr << (i == 0 ? "usage: " : "       ") << "yardctl [OPTIONS] " << SynopsisLine(*verbs[i])
              << '\n';
  }
  return 2;
}

void PrintHelp(std::ostream& os, const std::vector<Verb>& verbs) {
  os << "usage: yardctl [OPTIONS] VERB [ARGS]\n\n"
        "Drives switchyardd, the Switchyard virtual switch, and yard-kvmd, its VM agent,\n"
        "through their gRPC APIs.\n\n"
        "verbs:\n";
  std::string group;
  for (const Verb& verb : verbs) {
    // A blank line between groups (network, port, fdb, then the one-word
    // verbs) helps the eye.
    const size_t space = verb.words.find(' ');
    const std::string first = space == std::string::npos ? "" : verb.words.substr(0, space);
    if (&verb != &verbs.front() && first != group) {
      os << '\n';
    }
    group = first;
    os << "  " << SynopsisLine(verb) << '\n';
  }
  os << "\n"
        "stats --watch prints rates every --interval seconds (default 1) until Ctrl-C\n"
        "or --count reports; events prints events as they come until Ctrl-C or --count\n"
        "events. Event TYPEs:\n"
     << Wrap(EventTypeNames(), "  ", 80) << '\n'
     << "vm verbs call yard-kvmd at --kvmd-socket. vm watch prints state changes and\n"
        "vm console follows the serial console until Ctrl-C. SIZE is bytes or a number\n"
        "with K, M, G or T (powers of 1024): 512M, 10G.\n\n"
     << GlobalOptionsHelp() << '\n'
     << "exit status: 0 done; 1 the call failed (or health is not SERVING); 2 usage\n"
        "error. More in docs/yardctl.md.\n";
}

}  // namespace switchyard::ctl
