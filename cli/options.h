// yardctl's global options: where switchyardd (and yard-kvmd, the VM
// agent) are and how to talk to them.
// They come before the verb; main.cc parses them, connection.cc uses them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::ctl {

inline constexpr char kDefaultSocket[] = "/run/switchyard/switchyard.sock";
inline constexpr char kDefaultKvmdSocket[] = "/run/switchyard/kvmd.sock";
inline constexpr uint32_t kDefaultTimeoutSeconds = 10;

struct GlobalOptions {
  // Unix socket of switchyardd; unused when `server` is set.
  std::string socket = kDefaultSocket;
  // Unix socket of yard-kvmd, the VM agent, for the vm verbs. The agent
  // serves no TCP, so this holds with `server` too.
  std::string kvmd_socket = kDefaultKvmdSocket;
  // HOST:PORT to reach over TCP instead of the socket.
  std::string server;
  // PEM files: the CA that signed the server's certificate (enables TLS),
  // and the client's certificate and key for mutual TLS.
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  // Plain TCP; without it --server needs --tls-ca, so that credentials are
  // never sent in clear by accident.
  bool insecure = false;
  // Responses as JSON, one document per line, instead of tables.
  bool json = false;
  // Deadline of each unary call; streams have none.
  uint32_t timeout_seconds = kDefaultTimeoutSeconds;
};

// Parses the options at the front of `words` (argv without argv[0]) and
// sets `*verb_index` to the first word that is not one of them. The
// default socket is $YARD_SOCKET when set, the default agent socket
// $YARD_KVMD_SOCKET. Returns a one-line reason for
// the user, or an empty string on success.
std::string ParseGlobalOptions(const std::vector<std::string>& words, size_t* verb_index,
                               GlobalOptions* out);

// Whether `name` ("--json") is a global option, to tell a user who put one
// after the verb where it belongs.
bool IsGlobalOption(std::string_view name);

// The "options:" part of --help, made from the options' declarations.
std::string GlobalOptionsHelp();

}  // namespace switchyard::ctl
