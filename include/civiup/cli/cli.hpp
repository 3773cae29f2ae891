#pragma once
// The command-line front end: one table of commands (name, usage, summary,
// entry point), global options, `did you mean` for typos.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "civiup/system/exit_code.hpp"

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
  std::string_view usage;
  std::string_view summary;
  ExitCode (*run)(const Invocation&);  // nullptr: not built yet
};

std::span<const Command> commands();

// The closest command name within a small edit distance, or "" if none.
std::string_view suggest_command(std::string_view typed);

std::string help_text();

// Parses argv, runs the command, prints errors; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace civiup
