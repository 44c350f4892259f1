#include "cli/args.h"

#include <algorithm>
#include <charconv>

#include "cli/options.h"

namespace switchyard::ctl {

bool ParsedArgs::Has(std::string_view option) const {
  return flags_.count(option) != 0 || values_.count(option) != 0;
}

std::optional<std::string> ParsedArgs::String(std::string_view option) const {
  auto it = values_.find(option);
  if (it == values_.end()) {
    return std::nullopt;
  }
  return it->second.back();
}

std::optional<uint32_t> ParsedArgs::U32(std::string_view option) const {
  auto value = String(option);
  uint32_t n = 0;
  if (!value || !ParseU32(*value, &n)) {
    // ParseArgs has checked every kU32 value; a miss here is an option
    // the verb never declared as a number.
    return std::nullopt;
  }
  return n;
}

std::vector<std::string> ParsedArgs::All(std::string_view option) const {
  auto it = values_.find(option);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

namespace {

template <typename T>
bool ParseWhole(std::string_view text, T* out) {
  // from_chars takes no '+' or spaces, and reports overflow, which is the
  // strictness wanted; only "" and a partial parse need checking.
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return !text.empty() && ec == std::errc() && ptr == end;
}

}  // namespace

bool ParseU32(std::string_view text, uint32_t* out) { return ParseWhole(text, out); }

bool ParseU64(std::string_view text, uint64_t* out) { return ParseWhole(text, out); }

OptionWord SplitOptionWord(const std::string& word) {
  const auto eq = word.find('=');
  if (eq == std::string::npos) {
    return {word, std::nullopt};
  }
  return {word.substr(0, eq), word.substr(eq + 1)};
}

std::optional<std::string> TakeOptionValue(const std::vector<std::string>& words, size_t* i,
                                           const std::optional<std::string>& inline_value) {
  if (inline_value) {
    return inline_value;
  }
  if (*i + 1 < words.size()) {
    return words[++*i];
  }
  return std::nullopt;
}

std::string ParseArgs(const std::vector<std::string>& words, const ArgSpec& spec, ParsedArgs* out) {
  ParsedArgs parsed;
  bool options_done = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (options_done || word.size() < 2 || word[0] != '-') {
      parsed.positionals_.push_back(word);
      continue;
    }
    if (word == "--") {
      options_done = true;
      continue;
    }
    const auto [name, inline_value] = SplitOptionWord(word);
    auto it = std::find_if(spec.options.begin(), spec.options.end(),
                           [&name = name](const OptionSpec& o) { return o.name == name; });
    if (it == spec.options.end()) {
      if (IsGlobalOption(name)) {
        return name + " is a global option: put it before the verb";
      }
      return "unknown option " + name;
    }
    const OptionSpec& opt = *it;
    if (!opt.repeatable && parsed.Has(name)) {
      return name + " given twice";
    }
    if (opt.kind == OptionSpec::Kind::kFlag) {
      if (inline_value) {
        return name + " takes no value";
      }
      parsed.flags_.insert(name);
      continue;
    }
    const std::optional<std::string> taken = TakeOptionValue(words, &i, inline_value);
    if (!taken) {
      return name + ": missing value";
    }
    const std::string& value = *taken;
    if (opt.kind == OptionSpec::Kind::kU32) {
      uint32_t n = 0;
      if (!ParseU32(value, &n) || n < opt.min) {
        return name + ": '" + value + "' is not a whole number from " + std::to_string(opt.min) +
               " to 4294967295";
      }
    }
    parsed.values_[name].push_back(value);
  }
  if (parsed.positionals_.size() < spec.positionals.size()) {
    return "missing " + spec.positionals[parsed.positionals_.size()];
  }
  const size_t most = spec.positionals.size() + spec.optional_positionals.size();
  if (parsed.positionals_.size() > most) {
    const std::string& extra = parsed.positionals_[most];
    return "unexpected argument '" + extra + "'";
  }
  *out = std::move(parsed);
  return "";
}

}  // namespace switchyard::ctl
