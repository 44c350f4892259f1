#include "cli/args.h"

#include <charconv>

#include "cli/options.h"
#include "cli/parser.h"

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

std::string ParseArgs(const std::vector<std::string>& words, const ArgSpec& spec, ParsedArgs* out) {
  CLI::App app;
  ConfigureApp(&app, /*up_to_first_positional=*/false);
  // Each positional is a CLI11 positional, filled in order; they are not
  // marked required, so that a mistyped option is named before a missing
  // argument, and the messages below name them as the synopsis does.
  std::vector<std::string> names = spec.positionals;
  names.insert(names.end(), spec.optional_positionals.begin(), spec.optional_positionals.end());
  std::vector<std::string> given(names.size());
  std::vector<const CLI::Option*> slots;
  for (size_t i = 0; i < names.size(); ++i) {
    slots.push_back(app.add_option(names[i], given[i]));
  }
  std::map<std::string, std::vector<std::string>> values;
  std::vector<const CLI::Option*> options;
  for (const OptionSpec& o : spec.options) {
    CLI::Option* opt = o.kind == OptionSpec::Kind::kFlag ? AddFlag(&app, o.name)
                                                         : AddValue(&app, o.name, &values[o.name]);
    if (o.kind == OptionSpec::Kind::kU32) {
      opt->transform(WholeNumber(o.min));
    }
    options.push_back(opt);
  }
  if (std::string reason = ParseWords(&app, words); !reason.empty()) {
    return reason;
  }

  // What CLI11 left: options the verb does not take, and words beyond its
  // positionals (the first "--" is the end of options itself).
  std::vector<std::string> extra;
  bool options_done = false;
  for (const std::string& word : app.remaining()) {
    if (!options_done && word == "--") {
      options_done = true;
    } else if (!options_done && IsOptionWord(word)) {
      const std::string name = OptionName(word);
      if (IsGlobalOption(name)) {
        return name + " is a global option: put it before the verb";
      }
      return "unknown option " + name;
    } else {
      extra.push_back(word);
    }
  }
  ParsedArgs parsed;
  for (size_t i = 0; i < spec.options.size(); ++i) {
    const OptionSpec& o = spec.options[i];
    if (options[i]->count() == 0) {
      continue;
    }
    if (!o.repeatable && options[i]->count() > 1) {
      return o.name + " given twice";
    }
    if (o.kind == OptionSpec::Kind::kFlag) {
      parsed.flags_.insert(o.name);
    } else {
      parsed.values_[o.name] = std::move(values[o.name]);
    }
  }
  for (size_t i = 0; i < slots.size() && slots[i]->count() > 0; ++i) {
    parsed.positionals_.push_back(given[i]);
  }
  if (parsed.positionals_.size() < spec.positionals.size()) {
    return "missing " + spec.positionals[parsed.positionals_.size()];
  }
  if (!extra.empty()) {
    return "unexpected argument '" + extra.front() + "'";
  }
  *out = std::move(parsed);
  return "";
}

}  // namespace switchyard::ctl
