// The CLI11 layer under yardctl's two parsers: ParseGlobalOptions
// (options.cc, the options before the verb) and ParseArgs (args.cc, a
// verb's arguments). Each builds a CLI::App at run time, declares its
// options on it, and parses with ParseWords; what CLI11 does not check the
// way yardctl promises (docs/yardctl.md) is settled here, once:
//   - numbers are whole decimal numbers (CLI11 reads 010 as octal, 0x10 as
//     hex, and takes a sign): WholeNumber;
//   - a flag takes no value (CLI11 reads --json=false as "off");
//   - `--opt=` is an empty value, as getopt_long has it (CLI11 would take
//     the next word instead), and `-f=FILE` is `-f FILE`;
//   - errors read as the rest of yardctl's usage errors ("--port: missing
//     value"), and words CLI11 does not know are left in app.remaining()
//     for the caller to name (unknown option, global option, extra word).
// Only args.cc and options.cc include this header, so the verb files do
// not compile CLI11.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace switchyard::ctl {

// Sets `app` up the yardctl way: no -h/--help of its own (main.cc answers
// --help anywhere on the line), unknown words kept in app->remaining().
// With `up_to_first_positional`, parsing stops at the first word that is
// not an option or an option's value (the verb), which starts remaining().
void ConfigureApp(CLI::App* app, bool up_to_first_positional);

// A flag, e.g. `--json`: given or not, never with a value.
CLI::Option* AddFlag(CLI::App* app, const std::string& name, const std::string& help = "");

// An option taking one value per use, every use kept in `values` in
// command-line order (ParseArgs reports a repeat where it is not allowed).
CLI::Option* AddValue(CLI::App* app, const std::string& name, std::vector<std::string>* values);

// A whole decimal number from `min` to UINT32_MAX (ParseU32): no sign,
// spaces, octal, hex or trailing characters. The value is handed on in
// canonical form, so an option stored as a number gets "010" as ten.
CLI::Validator WholeNumber(uint32_t min);

// Parses `words` (in command-line order) with `app`. Returns a one-line
// reason for the user, or an empty string on success; words `app` does
// not know are then in app->remaining().
std::string ParseWords(CLI::App* app, const std::vector<std::string>& words);

// Whether `word` is written as an option ("--json", "-f", "--port=P"), and
// the option's name in it ("--port").
bool IsOptionWord(const std::string& word);
std::string OptionName(const std::string& word);

}  // namespace switchyard::ctl
