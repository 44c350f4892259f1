// How both daemons run their CLI11 app over argv (target
// switchyard::command_line; the CLI11 apps themselves stay in their
// main.cc, beside what each option sets).
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace switchyard {

// "" when argv parsed; else the reason: CLI11's, or "unknown option X" for
// the first word an app that allows extras did not take. `*help` is set
// when --help was asked for (nothing else is then checked).
inline std::string ParseCommandLine(CLI::App& app, int argc, char** argv, bool* help) {
  *help = false;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    *help = true;
    return "";
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return app.remaining().empty() ? "" : "unknown option " + app.remaining().front();
}

}  // namespace switchyard
