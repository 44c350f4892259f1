#include "control/config/config_file.h"

#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace switchyard::ctl {

namespace {

Status LineError(int line, const std::string& message) {
  return Status(StatusCode::kInvalidArgument, "line " + std::to_string(line) + ": " + message);
}

bool ParseU32(const std::string& text, uint32_t* out) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// Splits "k=v" words after the name into a map; repeated keys are errors.
Status ParseOptions(int line, std::istringstream& words, std::map<std::string, std::string>* out) {
  std::string word;
  while (words >> word) {
    const auto eq = word.find('=');
    if (eq == std::string::npos || eq == 0) {
      return LineError(line, "expected key=value, got '" + word + "'");
    }
    if (!out->emplace(word.substr(0, eq), word.substr(eq + 1)).second) {
      return LineError(line, "'" + word.substr(0, eq) + "' given twice");
    }
  }
  return Status::Ok();
}

}  // namespace

Status ParseConfig(const std::string& text, SwitchConfig* out) {
  SwitchConfig config;
  std::set<std::string> sockets;
  std::istringstream in(text);
  std::string raw;
  int line = 0;
  while (std::getline(in, raw)) {
    ++line;
    if (auto hash = raw.find('#'); hash != std::string::npos) {
      raw.resize(hash);
    }
    std::istringstream words(raw);
    std::string kind, name;
    if (!(words >> kind)) {
      continue;
    }
    if (!(words >> name)) {
      return LineError(line, kind + ": missing name");
    }
    std::map<std::string, std::string> opts;
    if (Status s = ParseOptions(line, words, &opts); !s.ok()) {
      return s;
    }
    auto take = [&](const std::string& key, std::string* value) {
      auto it = opts.find(key);
      if (it == opts.end()) {
        return false;
      }
      *value = it->second;
      opts.erase(it);
      return true;
    };
    std::string value;
    if (kind == "network") {
      dp::NetworkSpec spec;
      spec.name = name;
      if (take("fdb-aging", &value) && !ParseU32(value, &spec.fdb_aging_s)) {
        return LineError(line, "fdb-aging: '" + value + "' is not a number of seconds");
      }
      if (take("fdb-max", &value) && !ParseU32(value, &spec.fdb_max)) {
        return LineError(line, "fdb-max: '" + value + "' is not a number");
      }
      if (!opts.empty()) {
        return LineError(line, "network: unknown option '" + opts.begin()->first + "'");
      }
      if (Status s = dp::ValidateNetworkSpec(spec); !s.ok()) {
        return LineError(line, s.message());
      }
      for (auto& n : config.networks) {
        if (n.name == name) {
          return LineError(line, "network '" + name + "' defined twice");
        }
      }
      config.networks.push_back(spec);
    } else if (kind == "port") {
      dp::PortSpec spec;
      spec.name = name;
      if (!take("network", &spec.network)) {
        return LineError(line, "port: network= is required");
      }
      if (!take("type", &value)) {
        return LineError(line, "port: type= is required (vhost-server or vhost-client)");
      }
      if (!dp::ParsePortKind(value, &spec.kind)) {
        return LineError(line, "type: '" + value + "' is not vhost-server or vhost-client");
      }
      if (!take("socket", &spec.socket_path)) {
        return LineError(line, "port: socket= is required");
      }
      if (!opts.empty()) {
        return LineError(line, "port: unknown option '" + opts.begin()->first + "'");
      }
      if (Status s = dp::ValidatePortSpec(spec); !s.ok()) {
        return LineError(line, s.message());
      }
      bool known_network = false;
      for (auto& n : config.networks) {
        known_network |= n.name == spec.network;
      }
      if (!known_network) {
        return LineError(line,
                         "port.network: '" + spec.network + "' is not defined above this line");
      }
      for (auto& p : config.ports) {
        if (p.name == name) {
          return LineError(line, "port '" + name + "' defined twice");
        }
      }
      if (!sockets.insert(spec.socket_path).second) {
        return LineError(line, "port.socket: " + spec.socket_path + " is used by another port");
      }
      config.ports.push_back(spec);
    } else {
      return LineError(line, "unknown statement '" + kind + "' (expected network or port)");
    }
  }
  *out = std::move(config);
  return Status::Ok();
}

Status LoadConfigFile(const std::string& path, SwitchConfig* out) {
  std::ifstream in(path);
  if (!in) {
    return Status(StatusCode::kNotFound, "config: cannot read " + path);
  }
  std::stringstream buf;
  buf << in.rdbuf();
  if (Status s = ParseConfig(buf.str(), out); !s.ok()) {
    return Status(s.code(), path + ": " + s.message());
  }
  return Status::Ok();
}

}  // namespace switchyard::ctl
