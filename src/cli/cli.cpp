#include "civiup/cli/cli.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <typeinfo>
#include <iostream>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "civiup/cli/check_command.hpp"
#include "civiup/cli/transaction_commands.hpp"
#include "civiup/system/fault_point.hpp"
#include "civiup/system/process_memory.hpp"
#include "civiup/system/run_log.hpp"
#include "civiup/base/error.hpp"
#include "civiup/transaction/state_trash.hpp"
#include "civiup/system/terminal_progress.hpp"
#include "civiup/transaction/site_changes.hpp"
#include "civiup/transaction/transaction.hpp"
#include "civiup/version.hpp"

namespace civiup {
namespace {

// The commands of DESIGN.md §4, in the order a user meets them.
constexpr std::array kCommands = {
    Command{"check", "[--root DIR] (--release FILE | --latest | --version X.Y.Z) [--l10n [FILE]] [--db-upgrade CMD] [--bee CMD|none] [--force]",
            "read-only preflight and plan; exit 0 = ready to upgrade", check_command},
    Command{"upgrade",
            "[--root DIR] (--release FILE | --latest | --version X.Y.Z) [--l10n [FILE]] [--db-upgrade CMD] "
            "[--url URL|--no-health-check] [--discard-local-changes]",
            "upgrade as one transaction, restoring everything on failure", upgrade_command},
    Command{"rollback", "[--root DIR] [--to SNAPSHOT] [--discard-changes]",
            "return code and every database to the pre-upgrade snapshot", rollback_command},
    Command{"recover", "[--root DIR]", "finish an interrupted run from its journal", recover_command},
    Command{"status", "[--root DIR] [--offline]", "versions, journal state, snapshots", status_command},
    Command{"snapshot", "[--root DIR] [--message TEXT]", "snapshot code and every database now",
            snapshot_command},
    Command{"snapshots", "[--root DIR]", "list snapshots, newest first", snapshots_command},
    Command{"restore", "[--root DIR] [--discard-changes] SNAPSHOT", "restore code, files and databases from a snapshot",
            restore_command},
    Command{"prune", "[--root DIR] --keep N", "delete old snapshots, keeping the newest N",
            prune_command},
    Command{"rehearse", "[--root DIR] (--release FILE | --latest | --version X.Y.Z) --to-root DIR --to-db-prefix NAME [upgrade options] [--cleanup]",
            "copy the site, upgrade the copy, report; production untouched", rehearse_command},
};

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

struct ParsedArgs {
  GlobalOptions global;
  bool help = false;
  bool version = false;
  std::string command;
  std::vector<std::string> args;
};

// Global options may stand anywhere; the first other word is the command and
// everything else belongs to it.
ParsedArgs parse_args(int argc, char** argv) {
  ParsedArgs parsed;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value_of = [&](std::string_view option) -> std::string {
      if (arg.size() > option.size() && arg[option.size()] == '=') {
        return std::string(arg.substr(option.size() + 1));
      }
      if (i + 1 >= argc) fail("option {} needs a value", option);
      return argv[++i];
    };
    if (arg == "--json") {
      parsed.global.json = true;
    } else if (arg == "--yes" || arg == "-y") {
      parsed.global.yes = true;
    } else if (arg == "-v" || arg == "--verbose") {
      parsed.global.verbose = true;
    } else if (arg == "-q" || arg == "--quiet") {
      parsed.global.quiet = true;
    } else if (arg == "-h" || arg == "--help") {
      parsed.help = true;
    } else if (arg == "--version" && parsed.command.empty()) {  // after a command: its --version X.Y.Z
      parsed.version = true;
    } else if (arg == "--sync-delete") {
      parsed.global.sync_delete = true;
    } else if (arg.starts_with("--state-dir")) {
      parsed.global.state_dir = value_of("--state-dir");
    } else if (parsed.command.empty()) {
      if (arg.starts_with("-")) fail("option {} before the command: options follow the command", arg);
      parsed.command = arg;
    } else {
      parsed.args.emplace_back(arg);
    }
  }
  return parsed;
}

const Command* find_command(std::string_view name) {
  auto it = std::find_if(kCommands.begin(), kCommands.end(),
                         [&](const Command& c) { return c.name == name; });
  return it == kCommands.end() ? nullptr : &*it;
}

// "<object>: <cause>" for the exceptions that do not come as civiup::Error:
// the standard library's filesystem errors name their paths, nlohmann's
// JSON errors and number conversions name what they are.
std::string describe_exception(const std::exception& e) {
  if (const auto* error = dynamic_cast<const std::filesystem::filesystem_error*>(&e)) {
    std::string object = error->path1().empty() ? std::string("filesystem") : error->path1().string();
    if (!error->path2().empty()) object += " -> " + error->path2().string();
    return fmt::format("{}: {}", object, error->code().message());
  }
  if (dynamic_cast<const nlohmann::json::exception*>(&e) != nullptr) return fmt::format("JSON data: {}", e.what());
  if (dynamic_cast<const Error*>(&e) != nullptr) return e.what();
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) return "memory: out of memory";
  std::string what = e.what();
  return fmt::format("internal error: {}", what.empty() ? typeid(e).name() : what);
}

void print_failure(const GlobalOptions& global, ExitCode code, std::string_view message) {
  if (message.empty()) message = "civiup: an error without a description (a defect: please report it)";
  if (global.json) {
    nlohmann::json out = {{"ok", false}, {"exit_code", to_int(code)}, {"error", message}};
    std::cout << out.dump() << '\n';
  }
  std::cerr << "civiup: error: " << message << '\n';
}

}  // namespace

std::span<const Command> commands() { return kCommands; }

std::string_view suggest_command(std::string_view typed) {
  std::string_view best;
  size_t best_distance = 3;  // suggest only close matches
  for (const Command& command : kCommands) {
    size_t distance = edit_distance(typed, command.name);
    if (distance < best_distance || (typed.size() >= 3 && command.name.starts_with(typed))) {
      best_distance = std::min(distance, best_distance);
      best = command.name;
      if (command.name.starts_with(typed)) break;
    }
  }
  return best;
}

std::string help_text() {
  std::string text = fmt::format(
      "civiup {} - upgrade CiviCRM on a Backdrop CMS site as one transaction\n\n"
      "usage: civiup [global options] COMMAND [options]\n\ncommands:\n",
      kVersion);
  for (const Command& command : kCommands) {
    text += fmt::format("  {:<10} {}{}\n", command.name, command.summary,
                        command.run == nullptr ? "  (not built yet)" : "");
    text += fmt::format("  {:<10}   civiup {} {}\n", "", command.name, command.usage);
  }
  text +=
      "\nglobal options:\n"
      "  --state-dir DIR  where snapshots, journal, lock and logs live (default <root>.civiup)\n"
      "  --json           print exactly one JSON object on stdout\n"
      "  --yes, -y        answer yes to confirmations (never prompts)\n"
      "  -v, --verbose    debug detail on stderr: commands run, timings of every step\n"
      "  -q, --quiet      warnings and errors only; no progress line\n"
      "  --sync-delete    delete replaced trees and dumps before returning (also CIVIUP_SYNC_DELETE=1);\n"
      "                   by default a low-priority background process deletes them\n"
      "  -h, --help       this help\n"
      "  --version        print the version\n"
      "\nexit codes: 0 success; 1 failed and fully rolled back; 2 refused before changing\n"
      "anything; 3 failed and could not fully roll back (see `civiup status`).\n";
  return text;
}

int run_cli(int argc, char** argv) {
  limit_malloc_arenas();  // before any thread (process_memory.hpp)
  GlobalOptions global;
  try {
    ParsedArgs parsed = parse_args(argc, argv);
    global = parsed.global;
    configure_console_log(global.verbose, global.quiet);
    if (global.sync_delete) set_sync_delete(true);
    // One updating line for long steps, only for a person watching a terminal.
    enable_progress_display(::isatty(STDERR_FILENO) != 0 && !global.quiet && !global.json);
    if (parsed.version) {
      if (global.json) {
        std::cout << nlohmann::json{{"ok", true}, {"exit_code", 0}, {"error", nullptr},
                                    {"version", kVersion}, {"fault_injection", fault_injection_compiled()}}
                         .dump()
                  << '\n';
      } else {
        std::cout << "civiup " << kVersion << '\n';
      }
      return 0;
    }
    if (parsed.help || parsed.command.empty()) {
      std::cout << help_text();
      return parsed.command.empty() && !parsed.help ? to_int(ExitCode::kRefused) : 0;
    }
    const Command* command = find_command(parsed.command);
    if (command == nullptr) {
      std::string_view suggestion = suggest_command(parsed.command);
      if (suggestion.empty()) fail("unknown command '{}' (see civiup --help)", parsed.command);
      fail("unknown command '{}', did you mean '{}'?", parsed.command, suggestion);
    }
    if (command->run == nullptr) {
      fail("command '{}' is not built yet in civiup {}", command->name, kVersion);
    }
    return to_int(command->run(Invocation{global, parsed.args}));
  } catch (const std::exception& e) {
    // The one error boundary: every failure ends here as one line (and the
    // JSON object), never in std::terminate.  Exit 2 says "nothing changed",
    // so only while no transaction has begun to change the site.
    ExitCode code = site_may_have_changed() ? ExitCode::kIncomplete : ExitCode::kRefused;
    print_failure(global, code, describe_exception(e));
    return to_int(code);
  } catch (...) {
    ExitCode code = site_may_have_changed() ? ExitCode::kIncomplete : ExitCode::kRefused;
    print_failure(global, code, "civiup: an exception of unknown type (a defect: please report it)");
    return to_int(code);
  }
}

}  // namespace civiup
