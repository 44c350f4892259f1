// Argument parsing for a yardctl verb: the words after the verb are checked
// against a small declarative spec (positionals, options, flags), so every
// verb rejects the same mistakes with the same messages, and numbers are
// parsed in one strict place. ParseArgs builds a CLI11 app from the spec
// at run time (parser.h); the verbs see only the spec and ParsedArgs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace switchyard::ctl {

// An option a verb accepts, e.g. `--fdb-max N`.
struct OptionSpec {
  enum class Kind {
    kFlag,    // no value: --include-static
    kString,  // any value: --network NET
    kU32,     // a whole number in [min, UINT32_MAX]: --count N
  };
  std::string name;  // with the dashes: "--fdb-max"
  Kind kind = Kind::kString;
  bool repeatable = false;  // may be given more than once (--port P --port Q)
  uint32_t min = 0;         // smallest accepted value, for kU32
};

// What a verb takes after its words: required positionals, then optional
// ones (which may only be left out from the end).
struct ArgSpec {
  std::vector<std::string> positionals;  // names for messages: "NAME", "MAC"
  std::vector<OptionSpec> options;
  std::vector<std::string> optional_positionals{};  // "[NAME]" in the synopsis
};

// The arguments of one verb after ParseArgs has checked them.
class ParsedArgs {
 public:
  const std::string& positional(size_t i) const { return positionals_.at(i); }
  // How many positionals were given: the required ones and any optional ones.
  size_t positional_count() const { return positionals_.size(); }
  bool Has(std::string_view option) const;
  // The value of a non-repeatable option, when given.
  std::optional<std::string> String(std::string_view option) const;
  std::optional<uint32_t> U32(std::string_view option) const;
  // Every value of a repeatable option, in command-line order.
  std::vector<std::string> All(std::string_view option) const;

 private:
  friend std::string ParseArgs(const std::vector<std::string>& words, const ArgSpec& spec,
                               ParsedArgs* out);
  std::vector<std::string> positionals_;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::set<std::string, std::less<>> flags_;
};

// Checks `words` (everything after the verb) against `spec`. Options may
// come before, between or after positionals, as `--opt VALUE` or
// `--opt=VALUE` (`-f FILE` or `-fFILE` for a one-letter option); `--` ends
// options. Returns a one-line reason for the user, or an empty string on
// success.
std::string ParseArgs(const std::vector<std::string>& words, const ArgSpec& spec, ParsedArgs* out);

// Parses a whole decimal number that fits in uint32_t: no sign, spaces,
// trailing characters or overflow. Returns false when `text` is not one.
bool ParseU32(std::string_view text, uint32_t* out);
bool ParseU64(std::string_view text, uint64_t* out);

}  // namespace switchyard::ctl
