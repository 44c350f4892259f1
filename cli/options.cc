#include "cli/options.h"

#include <cstdlib>

#include "cli/parser.h"

namespace switchyard::ctl {

namespace {

// Sets up `app` to parse the global options into `*o`, with the help of
// each; the flags are read from the app after parsing (AddFlag). Parsing
// stops at the verb. A repeated option takes its last value.
void AddGlobalOptions(CLI::App* app, GlobalOptions* o) {
  ConfigureApp(app, /*up_to_first_positional=*/true);
  app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  const CLI::Validator non_empty(
      [](std::string& value) { return value.empty() ? "empty value" : std::string(); }, "");
  app->add_option("--socket", o->socket,
                  "unix socket of switchyardd (default: $YARD_SOCKET, else\n"
                  "/run/switchyard/switchyard.sock)")
      ->type_name("PATH")
      ->check(non_empty);
  app->add_option("--kvmd-socket", o->kvmd_socket,
                  "unix socket of yard-kvmd, the VM agent, for the vm verbs,\n"
                  "also with --server (default: $YARD_KVMD_SOCKET, else\n"
                  "/run/switchyard/kvmd.sock)")
      ->type_name("PATH")
      ->check(non_empty);
  app->add_option("--server", o->server,
                  "reach switchyardd over TCP instead; needs --tls-ca or\n"
                  "--insecure")
      ->type_name("HOST:PORT")
      ->check(non_empty);
  app->add_option("--tls-ca", o->tls_ca,
                  "PEM CA certificate(s) the server's certificate must chain\n"
                  "to; enables TLS")
      ->type_name("FILE")
      ->check(non_empty);
  app->add_option("--tls-cert", o->tls_cert,
                  "PEM client certificate for mutual TLS (with --tls-key)")
      ->type_name("FILE")
      ->check(non_empty);
  app->add_option("--tls-key", o->tls_key, "PEM private key of --tls-cert")
      ->type_name("FILE")
      ->check(non_empty);
  AddFlag(app, "--insecure", "plain TCP, no TLS");
  AddFlag(app, "--json", "print each response as one line of JSON");
  app->add_option("--timeout", o->timeout_seconds,
                  "deadline of each call (default 10; none for `events` and\n"
                  "`vm watch`; at least 90 for `vm start`)")
      ->type_name("SECONDS")
      ->transform(WholeNumber(1));
}

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
  CLI::App app;
  GlobalOptions unused;
  AddGlobalOptions(&app, &unused);
  return IsOptionWord(std::string(name)) && app.get_option_no_throw(std::string(name)) != nullptr;
}

std::string GlobalOptionsHelp() {
  CLI::App app;
  GlobalOptions unused;
  AddGlobalOptions(&app, &unused);
  CLI::Formatter formatter;
  formatter.column_width(23);
  std::string help = "options (before the verb):\n";
  for (const CLI::Option* opt : app.get_options()) {
    help += formatter.make_option(opt, /*is_positional=*/false);
  }
  return help + "  -h, --help           print this help\n";
}

std::string ParseGlobalOptions(const std::vector<std::string>& words, size_t* verb_index,
                               GlobalOptions* out) {
  GlobalOptions o;
  if (const char* env = std::getenv("YARD_SOCKET"); env != nullptr && *env != '\0') {
    o.socket = env;
  }
  if (const char* env = std::getenv("YARD_KVMD_SOCKET"); env != nullptr && *env != '\0') {
    o.kvmd_socket = env;
  }
  CLI::App app;
  AddGlobalOptions(&app, &o);
  if (std::string reason = ParseWords(&app, words); !reason.empty()) {
    return reason;
  }
  // remaining() is the verb and its words, after any unknown option.
  const std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && IsOptionWord(rest.front())) {
    return "unknown option " + OptionName(rest.front());
  }
  o.insecure = app.get_option("--insecure")->count() > 0;
  o.json = app.get_option("--json")->count() > 0;
  if (std::string reason = CheckTransport(o, app.get_option("--socket")->count() > 0);
      !reason.empty()) {
    return reason;
  }
  *verb_index = words.size() - rest.size();
  *out = std::move(o);
  return "";
}

}  // namespace switchyard::ctl
