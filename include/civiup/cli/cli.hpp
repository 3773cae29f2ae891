#pragma once
// The command-line front end: one table of commands (name, summary, options,
// entry point), global options, `did you mean` for typos.  Each command's
// usage line and `civiup COMMAND --help` are generated from the same cxxopts
// definitions its parser uses, so they cannot drift from the real options.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "civiup/system/exit_code.hpp"

namespace cxxopts {
class Options;
}

namespace civiup {

struct GlobalOptions {
  std::string state_dir;
  bool json = false;
  bool yes = false;
  bool verbose = false;
  bool quiet = false;
  bool sync_delete = false;  // --sync-delete: empty the trash before returning (state_trash.hpp)
};

// What a command receives: the global options and its own arguments
// (everything after the command name, global options removed).
struct Invocation {
  GlobalOptions global;
  std::vector<std::string> args;
};

struct Command {
  std::string_view name;
  std::string_view summary;
  // Adds the command's options: the one definition its parser, its usage
  // line and its --help are made from.
  void (*define_options)(cxxopts::Options&);
  // For the usage line only: the options that must be given, space-separated;
  // "a|b|c" is a choice of one ("release|latest|version").
  std::string_view required;
  std::string_view operands;  // words after the options ("SNAPSHOT"), or ""
  ExitCode (*run)(const Invocation&);  // nullptr: not built yet
};

std::span<const Command> commands();

// "civiup upgrade [--root DIR] (--release FILE | --latest | --version X.Y.Z) ...",
// wrapped at `width` columns with continuation lines indented by `indent`.
std::string usage_line(const Command& command, size_t width = 100, size_t indent = 8);

// `civiup COMMAND --help`: the usage line, the summary and every option.
std::string command_help(const Command& command);

// The command's long option names without dashes ("root", "release", ...),
// in definition order.
std::vector<std::string> option_names(const Command& command);

// The closest command name within a small edit distance, or "" if none.
std::string_view suggest_command(std::string_view typed);

std::string help_text();

// Parses argv, runs the command, prints errors; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace civiup
