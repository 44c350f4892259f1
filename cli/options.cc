#include "cli/options.h"

#include <array>
#include <cstdlib>
#include <optional>

#include "cli/args.h"

namespace switchyard::ctl {

namespace {

constexpr std::array<std::string_view, 7> kValueOptions = {
    "--socket", "--kvmd-socket", "--server", "--tls-ca", "--tls-cert", "--tls-key", "--timeout",
};
constexpr std::array<std::string_view, 2> kFlagOptions = {"--insecure", "--json"};

constexpr std::string_view kHelp =
    R"(options (before the verb):
  --socket PATH        unix socket of switchyardd (default: $YARD_SOCKET, else
                       /run/switchyard/switchyard.sock)
  --kvmd-socket PATH   unix socket of yard-kvmd, the VM agent, for the vm verbs,
                       also with --server (default: $YARD_KVMD_SOCKET, else
                       /run/switchyard/kvmd.sock)
  --server HOST:PORT   reach switchyardd over TCP instead; needs --tls-ca or
                       --insecure
  --tls-ca FILE        PEM CA certificate(s) the server's certificate must chain
                       to; enables TLS
  --tls-cert FILE      PEM client certificate for mutual TLS (with --tls-key)
  --tls-key FILE       PEM private key of --tls-cert
  --insecure           plain TCP, no TLS
  --json               print each response as one line of JSON
  --timeout SECONDS    deadline of each call (default 10; none for `events` and
                       `vm watch`; at least 90 for `vm start`)
  -h, --help           print this help
)";

// Checks the combinations no single option can check on its own.
std::string CheckTransport(const GlobalOptions& o, bool socket_given) {
  // The first TLS option given, for messages; empty when there is none.
  std::string tls;
  if (!o.tls_ca.empty()) {
    tls = "--tls-ca";
  } else if (!o.tls_cert.empty()) {
    tls = "--tls-cert";
  } else if (!o.tls_key.empty()) {
    tls = "--tls-key";
  }
  if (o.server.empty()) {
    if (!tls.empty() || o.insecure) {
      return (tls.empty() ? "--insecure" : tls) + " needs --server";
    }
    return "";
  }
  if (socket_given) {
    return "--socket and --server exclude each other";
  }
  if (o.insecure && !tls.empty()) {
    return "--insecure and " + tls + " exclude each other";
  }
  if (!o.insecure && o.tls_ca.empty()) {
    return "--server needs --tls-ca FILE (TLS) or --insecure (plain TCP)";
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    return "--tls-cert and --tls-key go together";
  }
  return "";
}

}  // namespace

bool IsGlobalOption(std::string_view name) {
  for (auto o : kValueOptions) {
    if (o == name) {
      return true;
    }
  }
  for (auto o : kFlagOptions) {
    if (o == name) {
      return true;
    }
  }
  return false;
}

std::string_view GlobalOptionsHelp() { return kHelp; }

std::string ParseGlobalOptions(const std::vector<std::string>& words, size_t* verb_index,
                               GlobalOptions* out) {
  GlobalOptions o;
  if (const char* env = std::getenv("YARD_SOCKET"); env != nullptr && *env != '\0') {
    o.socket = env;
  }
  if (const char* env = std::getenv("YARD_KVMD_SOCKET"); env != nullptr && *env != '\0') {
    o.kvmd_socket = env;
  }
  bool socket_given = false;
  size_t i = 0;
  for (; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word.size() < 2 || word[0] != '-') {
      break;  // the verb
    }
    const auto [name, inline_value] = SplitOptionWord(word);
    if (!IsGlobalOption(name)) {
      return "unknown option " + name;
    }
    if (name == "--insecure" || name == "--json") {
      if (inline_value) {
        return name + " takes no value";
      }
      if (name == "--json") {
        o.json = true;
      } else {
        o.insecure = true;
      }
      continue;
    }
    const std::optional<std::string> taken = TakeOptionValue(words, &i, inline_value);
    if (!taken) {
      return name + ": missing value";
    }
    const std::string& value = *taken;
    if (value.empty()) {
      return name + ": empty value";
    }
    if (name == "--socket") {
      o.socket = value;
      socket_given = true;
    } else if (name == "--kvmd-socket") {
      o.kvmd_socket = value;
    } else if (name == "--server") {
      o.server = value;
    } else if (name == "--tls-ca") {
      o.tls_ca = value;
    } else if (name == "--tls-cert") {
      o.tls_cert = value;
    } else if (name == "--tls-key") {
      o.tls_key = value;
    } else if (name == "--timeout") {
      if (!ParseU32(value, &o.timeout_seconds) || o.timeout_seconds == 0) {
        return "--timeout: '" + value + "' is not a whole number from 1 to 4294967295";
      }
    }
  }
  if (std::string reason = CheckTransport(o, socket_given); !reason.empty()) {
    return reason;
  }
  *verb_index = i;
  *out = std::move(o);
  return "";
}

}  // namespace switchyard::ctl
