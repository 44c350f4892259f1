// yardctl: the command-line client of switchyardd's gRPC API (and of
// yard-kvmd's, the VM agent, for the vm verbs).
//
//   yardctl [global options] VERB [arguments and options of the verb]
//
// This file only finds the verb and hands over: global options are parsed
// in options.cc, the connection is made in connection.cc, and each verb
// group (network, port, fdb, stats, events, health, vm) lives in its own file
// with its synopsis and argument spec next to its code, so --help, usage
// errors and parsing can never disagree about what a verb takes.
#include <iostream>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/connection.h"
#include "cli/options.h"
#include "cli/verb.h"

namespace {

namespace ctl = switchyard::ctl;

std::vector<ctl::Verb> AllVerbs() {
  std::vector<ctl::Verb> verbs;
  for (auto group : {ctl::ConfigVerbs, ctl::NetworkVerbs, ctl::PortVerbs, ctl::FdbVerbs,
                     ctl::StatsVerbs, ctl::EventsVerbs, ctl::HealthVerbs, ctl::VmVerbs}) {
    for (auto& verb : group()) {
      verbs.push_back(std::move(verb));
    }
  }
  return verbs;
}

std::string FirstWord(const std::string& words) { return words.substr(0, words.find(' ')); }

// Finds the verb named by words[*i] (and words[*i + 1] for two-word verbs)
// and moves *i past it. On failure prints the usage error and returns
// nullptr.
const ctl::Verb* FindVerb(const std::vector<ctl::Verb>& verbs,
                          const std::vector<std::string>& words, size_t* i) {
  if (*i >= words.size()) {
    ctl::UsageError("", "missing verb", {});
    return nullptr;
  }
  const std::string& group = words[*i];
  std::vector<const ctl::Verb*> in_group;
  for (const ctl::Verb& verb : verbs) {
    if (FirstWord(verb.words) != group) {
      continue;
    }
    if (verb.words == group) {
      *i += 1;
      return &verb;
    }
    if (*i + 1 < words.size() && verb.words == group + " " + words[*i + 1]) {
      *i += 2;
      return &verb;
    }
    in_group.push_back(&verb);
  }
  if (in_group.empty()) {
    ctl::UsageError("", "unknown verb '" + group + "'", {});
  } else if (*i + 1 >= words.size()) {
    ctl::UsageError(group, "missing verb", in_group);
  } else {
    ctl::UsageError(group, "unknown verb '" + words[*i + 1] + "'", in_group);
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  const std::vector<ctl::Verb> verbs = AllVerbs();
  // Help wins wherever it is, so that `yardctl port add --help` helps too.
  for (const std::string& word : words) {
    if (word == "--") {
      break;
    }
    if (word == "-h" || word == "--help") {
      ctl::PrintHelp(std::cout, verbs);
      return 0;
    }
  }

  ctl::GlobalOptions options;
  size_t i = 0;
  if (std::string reason = ctl::ParseGlobalOptions(words, &i, &options); !reason.empty()) {
    return ctl::UsageError("", reason, {});
  }
  const ctl::Verb* verb = FindVerb(verbs, words, &i);
  if (verb == nullptr) {
    return 2;
  }
  ctl::ParsedArgs args;
  const std::vector<std::string> rest(words.begin() + static_cast<std::ptrdiff_t>(i), words.end());
  if (std::string reason = ctl::ParseArgs(rest, verb->args, &args); !reason.empty()) {
    return ctl::UsageError(verb->words, reason, {verb});
  }

  std::string error;
  auto connection = ctl::Connection::Open(options, &error);
  if (connection == nullptr) {
    std::cerr << "yardctl: " << error << std::endl;
    return 1;
  }
  return verb->run(ctl::Call(*verb, args, *connection));
}
