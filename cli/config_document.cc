#include "cli/config_document.h"

#include <google/protobuf/util/json_util.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <regex>
#include <sstream>

namespace switchyard::ctl {

namespace {

// Plain YAML scalars that JSON has its own types for; a string that looks
// like one is quoted when written, so it reads back as a string.
bool LooksTyped(const std::string& s) {
  static const std::regex kTyped(
      R"(true|false|True|False|TRUE|FALSE|null|Null|NULL|~|[-+]?[0-9]+|[-+]?([0-9]*\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?)");
  return s.empty() || std::regex_match(s, kTyped);
}

bool HasControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

void JsonString(const std::string& s, std::string* out) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

// YAML to JSON text: plain scalars that are numbers, booleans or null
// stay so; everything else is a string (protobuf's JSON reads numbers
// from strings too, never booleans).
void ToJson(const YAML::Node& node, std::string* out) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      *out += "null";
      return;
    case YAML::NodeType::Scalar: {
      const std::string& s = node.Scalar();
      if (node.Tag() == "?" && LooksTyped(s)) {
        if (s == "~" || s == "null" || s == "Null" || s == "NULL") {
          *out += "null";
        } else if (s == "True" || s == "TRUE" || s == "true") {
          *out += "true";
        } else if (s == "False" || s == "FALSE" || s == "false") {
          *out += "false";
        } else {
          *out += s[0] == '+' ? s.substr(1) : s;
        }
        return;
      }
      JsonString(s, out);
      return;
    }
    case YAML::NodeType::Sequence: {
      *out += '[';
      bool first = true;
      for (const YAML::Node& item : node) {
        *out += first ? "" : ",";
        first = false;
        ToJson(item, out);
      }
      *out += ']';
      return;
    }
    case YAML::NodeType::Map: {
      *out += '{';
      bool first = true;
      for (const auto& kv : node) {
        *out += first ? "" : ",";
        first = false;
        JsonString(kv.first.as<std::string>(), out);
        *out += ':';
        ToJson(kv.second, out);
      }
      *out += '}';
      return;
    }
  }
}

// JSON (as parsed by yaml-cpp) to block YAML; strings that would read
// back as another type are quoted.
void Emit(const YAML::Node& node, YAML::Emitter* out) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      // Control characters too: written plain, a \r reads back as a line
      // break (a finding of the config_document fuzz target).
      if ((node.Tag() != "?" && LooksTyped(node.Scalar())) || HasControl(node.Scalar())) {
        *out << YAML::DoubleQuoted << node.Scalar();
      } else {
        *out << node.Scalar();
      }
      return;
    case YAML::NodeType::Sequence:
      *out << YAML::BeginSeq;
      for (const YAML::Node& item : node) {
        Emit(item, out);
      }
      *out << YAML::EndSeq;
      return;
    case YAML::NodeType::Map:
      *out << YAML::BeginMap;
      for (const auto& kv : node) {
        *out << YAML::Key << kv.first.as<std::string>() << YAML::Value;
        Emit(kv.second, out);
      }
      *out << YAML::EndMap;
      return;
    default:
      *out << YAML::Null;
  }
}

}  // namespace

std::string ParseConfigDocument(const std::string& text, v1::DesiredState* state) {
  std::string json;
  try {
    YAML::Node doc = YAML::Load(text);
    if (doc.IsNull()) {
      doc = YAML::Node(YAML::NodeType::Map);  // an empty file: an empty state
    }
    if (!doc.IsMap()) {
      return "the document is not a map of networks, ports and static_macs";
    }
    if (doc["state"]) {
      doc = doc["state"];
    }
    ToJson(doc, &json);
  } catch (const YAML::Exception& e) {
    return std::string("not YAML or JSON: ") + e.what();
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  v1::DesiredState out;
  if (auto status = google::protobuf::util::JsonStringToMessage(json, &out, options);
      !status.ok()) {
    return std::string(status.message());
  }
  *state = std::move(out);
  return "";
}

std::string ConfigDocumentYaml(const v1::DesiredState& state, uint64_t revision) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(state, &json, options).ok()) {
    return "";
  }
  YAML::Emitter out;
  Emit(YAML::Load(json), &out);
  std::ostringstream text;
  text << "# switchyard desired state, revision " << revision << "\n"
       << (state.ByteSizeLong() == 0 ? "{}" : out.c_str()) << "\n";
  return text.str();
}

}  // namespace switchyard::ctl
