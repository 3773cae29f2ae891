#pragma once
// The command-line front end: one table of commands (name, summary, options,
// entry point), global options, `did you mean` for typos.  Each command's
// usage line and `civiup COMMAND --help` are generated from the same cxxopts
// definitions its parser uses, so they cannot drift from the real options.
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "civiup/system/exit_code.hpp"

namespace cxxopts {
class Options;
}

namespace civiup {

struct GlobalOptions {
  std::string root;       // --root, as given; CommandContext::site() resolves it
  std::string state_dir;  // --state-dir, as given
  bool json = false;
  bool yes = false;
  bool verbose = false;
  bool quiet = false;
  bool sync_delete = false;  // --sync-delete: empty the trash before returning (state_trash.hpp)
};

// The site a command works on: both paths absolute and lexically normal.
// Symbolic links in --root are kept, not resolved: the state directory stays
// beside the link, where <root>.civiup always was.
struct SiteLocation {
  std::filesystem::path root;
  std::filesystem::path state_dir;
};

// What a command receives: the global options, its own arguments (everything
// after the command name, global options removed) and, through site(), the
// one resolution of --root and --state-dir.
struct CommandContext {
  CommandContext(GlobalOptions global_options, std::vector<std::string> command_args)
      : global(std::move(global_options)), args(std::move(command_args)) {}

  GlobalOptions global;
  std::vector<std::string> args;

  // --root, else the current directory or its nearest parent that is a
  // Backdrop root (site.hpp find_backdrop_root, with its errors: exit 2); and
  // --state-dir made absolute, else <root>.civiup (state_dir.hpp).  Resolved
  // on the first call and kept: a command's usage errors come before "not a
  // Backdrop root", and `rehearse --cleanup` alone never looks for a site.
  const SiteLocation& site() const;

 private:
  mutable std::optional<SiteLocation> site_;
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
  std::string_view operands;               // words after the options ("SNAPSHOT"), or ""
  ExitCode (*run)(const CommandContext&);  // nullptr: not built yet
};

std::span<const Command> commands();

// "civiup upgrade (--release FILE | --latest | --version X.Y.Z) [--l10n [FILE]] ...",
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
