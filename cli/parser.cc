#include "cli/parser.h"

#include <algorithm>

#include "cli/args.h"

namespace switchyard::ctl {

namespace {

// Writes each `--opt=VALUE` and `-f=VALUE` (of an option that takes a
// value) as two words, `--opt` and `VALUE`: CLI11 2.1 reads `--opt=` as
// `--opt` and takes the next word as the value, and `-f=VALUE` as the
// value "=VALUE". Words that are values, words after `--` and, with
// prefix_command, the words from the verb on stay as they are.
std::vector<std::string> ValuesAsWords(const CLI::App& app, const std::vector<std::string>& words) {
  std::vector<std::string> out;
  bool value_next = false;
  bool options_done = false;
  for (const std::string& word : words) {
    const bool is_value = value_next;
    value_next = false;
    if (is_value || options_done) {
      // as it is
    } else if (word == "--") {
      options_done = true;
    } else if (IsOptionWord(word)) {
      const CLI::Option* opt = app.get_option_no_throw(OptionName(word));
      const bool takes_value = opt != nullptr && opt->get_items_expected_max() != 0;
      const size_t eq = word.find('=');
      if (takes_value && eq != std::string::npos) {
        out.push_back(word.substr(0, eq));
        out.push_back(word.substr(eq + 1));
        continue;
      }
      value_next = takes_value;
    } else if (app.get_prefix_command()) {
      options_done = true;  // the verb
    }
    out.push_back(word);
  }
  return out;
}

}  // namespace

void ConfigureApp(CLI::App* app, bool up_to_first_positional) {
  app->set_help_flag();
  if (up_to_first_positional) {
    app->prefix_command();
  } else {
    app->allow_extras();
  }
}

CLI::Option* AddFlag(CLI::App* app, const std::string& name, const std::string& help) {
  return app->add_flag(name, help);
}

CLI::Option* AddValue(CLI::App* app, const std::string& name, std::vector<std::string>* values) {
  return app->add_option(name, *values)
      ->expected(1)
      ->allow_extra_args(false)  // one value per use: --port P --port Q
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

CLI::Validator WholeNumber(uint32_t min) {
  return CLI::Validator(
      [min](std::string& text) {
        uint32_t n = 0;
        if (!ParseU32(text, &n) || n < min) {
          return "'" + text + "' is not a whole number from " + std::to_string(min) +
                 " to 4294967295";
        }
        text = std::to_string(n);
        return std::string();
      },
      "");
}

std::string ParseWords(CLI::App* app, const std::vector<std::string>& words) {
  std::vector<std::string> args = ValuesAsWords(*app, words);
  std::reverse(args.begin(), args.end());  // CLI11 takes the words from the back
  try {
    app->parse(args);
  } catch (const CLI::ArgumentMismatch& e) {
    // With options declared as above, CLI11 reports this only when the
    // words end where an option still needs its value.
    const CLI::Option* opt = !words.empty() && IsOptionWord(words.back())
                                 ? app->get_option_no_throw(OptionName(words.back()))
                                 : nullptr;
    return opt != nullptr ? opt->get_name() + ": missing value" : e.what();
  } catch (const CLI::ParseError& e) {
    return e.what();  // a check's reason, as "--fdb-max: '12k' is not a whole number ..."
  }
  for (const CLI::Option* opt : app->get_options()) {
    const auto& results = opt->results();
    // A flag's result is "true" unless a value was given (--json=no).
    if (opt->get_items_expected_max() == 0 &&
        std::any_of(results.begin(), results.end(), [](const auto& r) { return r != "true"; })) {
      return opt->get_name() + " takes no value";
    }
  }
  return "";
}

bool IsOptionWord(const std::string& word) { return word.size() >= 2 && word[0] == '-'; }

std::string OptionName(const std::string& word) { return word.substr(0, word.find('=')); }

}  // namespace switchyard::ctl
