#include "civiup/cli/cli.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <iostream>
#include <typeinfo>

#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "civiup/base/error.hpp"
#include "civiup/cli/check_command.hpp"
#include "civiup/cli/command_support.hpp"
#include "civiup/cli/reply.hpp"
#include "civiup/cli/transaction_commands.hpp"
#include "civiup/site/site.hpp"
#include "civiup/system/fault_point.hpp"
#include "civiup/system/process_memory.hpp"
#include "civiup/system/run_log.hpp"
#include "civiup/system/terminal_progress.hpp"
#include "civiup/transaction/site_changes.hpp"
#include "civiup/transaction/state_dir.hpp"
#include "civiup/transaction/state_trash.hpp"
#include "civiup/transaction/transaction.hpp"
#include "civiup/version.hpp"

namespace civiup {
namespace {

// The commands of DESIGN.md §4, in the order a user meets them.  Their usage
// lines and --help come from define_options (usage_line, command_help).
constexpr std::array kCommands = {
    Command{"check", "read-only preflight and plan; exit 0 = ready to upgrade", define_check_options,
            "release|latest|version", "", check_command},
    Command{"upgrade", "upgrade as one transaction, restoring everything on failure", add_upgrade_options,
            "release|latest|version", "", upgrade_command},
    Command{"rollback", "return code and every database to the pre-upgrade snapshot", define_rollback_options, "", "",
            rollback_command},
    Command{"recover", "finish an interrupted run from its journal", define_recover_options, "", "", recover_command},
    Command{"status", "versions, journal state, snapshots", define_status_options, "", "", status_command},
    Command{"snapshot", "snapshot code and every database now", define_snapshot_options, "", "", snapshot_command},
    Command{"snapshots", "list snapshots, newest first", define_snapshots_options, "", "", snapshots_command},
    Command{"restore", "restore code, files and databases from a snapshot", define_restore_options, "", "SNAPSHOT",
            restore_command},
    Command{"prune", "delete old snapshots, keeping the newest N", define_prune_options, "keep", "", prune_command},
    Command{"rehearse", "copy the site, upgrade the copy, report; production untouched", define_rehearse_options,
            "release|latest|version to-root to-db-prefix", "", rehearse_command},
};

cxxopts::Options command_options(const Command& command) {
  cxxopts::Options options(fmt::format("civiup {}", command.name));
  command.define_options(options);
  return options;
}

std::vector<cxxopts::HelpOptionDetails> option_details(const Command& command) {
  cxxopts::Options options = command_options(command);
  std::vector<std::string> groups = options.groups();
  if (std::find(groups.begin(), groups.end(), "") == groups.end()) return {};  // none but the global ones (recover)
  return options.group_help("").options;
}

std::string_view long_name(const cxxopts::HelpOptionDetails& option) {
  return option.l.empty() ? std::string_view(option.s) : std::string_view(option.l.front());
}

// "--root DIR", "--force": an option as the usage line shows it.
std::string usage_word(const cxxopts::HelpOptionDetails& option) {
  std::string word = fmt::format("--{}", long_name(option));
  if (!option.is_boolean) word += " " + (option.arg_help.empty() ? std::string("VALUE") : option.arg_help);
  return word;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = std::min(text.find(separator, start), text.size());
    if (end > start) parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// `head` and the words after it, a line broken before a word that would pass
// `width`, continuation lines indented by `indent`.
std::string wrap_words(std::string head, const std::vector<std::string>& words, size_t width, size_t indent) {
  std::string text = std::move(head);
  size_t column = text.size();
  for (const std::string& word : words) {
    if (column + 1 + word.size() > width) {
      text += "\n" + std::string(indent, ' ') + word;
      column = indent + word.size();
    } else {
      text += " " + word;
      column += 1 + word.size();
    }
  }
  return text;
}

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
    } else if (arg == "--root" || arg.starts_with("--root=")) {  // before or after the command, as --state-dir
      parsed.global.root = value_of("--root");
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
  auto it = std::find_if(kCommands.begin(), kCommands.end(), [&](const Command& c) { return c.name == name; });
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
  Reply{code, std::string(message)}.print(global);
}

}  // namespace

const SiteLocation& CommandContext::site() const {
  if (!site_) {
    std::optional<std::filesystem::path> root_option;
    if (!global.root.empty()) root_option = global.root;
    SiteLocation site;
    site.root = find_backdrop_root(root_option, std::filesystem::current_path());
    site.state_dir = resolve_state_dir(site.root, global.state_dir);
    site_ = std::move(site);
  }
  return *site_;
}

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

std::string usage_line(const Command& command, size_t width, size_t indent) {
  std::vector<cxxopts::HelpOptionDetails> options = option_details(command);
  auto find = [&](std::string_view name) -> const cxxopts::HelpOptionDetails& {
    for (const auto& option : options) {
      if (long_name(option) == name) return option;
    }
    throw std::logic_error(fmt::format("civiup {}: required option --{} is not defined", command.name, name));
  };
  std::vector<std::vector<std::string>> required;
  for (const std::string& choice : split(command.required, ' ')) required.push_back(split(choice, '|'));
  std::vector<std::string> words;
  std::vector<bool> shown(required.size(), false);
  for (const auto& option : options) {
    auto choice = std::find_if(required.begin(), required.end(), [&](const std::vector<std::string>& names) {
      return std::find(names.begin(), names.end(), long_name(option)) != names.end();
    });
    if (choice == required.end()) {
      words.push_back("[" + usage_word(option) + "]");
      continue;
    }
    size_t index = static_cast<size_t>(choice - required.begin());
    if (shown[index]) continue;
    shown[index] = true;
    std::vector<std::string> alternatives;
    for (const std::string& name : *choice) alternatives.push_back(usage_word(find(name)));
    words.push_back(alternatives.size() == 1 ? alternatives.front()
                                             : "(" + fmt::format("{}", fmt::join(alternatives, " | ")) + ")");
  }
  for (size_t i = 0; i < required.size(); ++i) {
    if (!shown[i]) find(required[i].front());  // throws: named but not defined
  }
  if (!command.operands.empty()) words.emplace_back(command.operands);
  return wrap_words(fmt::format("civiup {}", command.name), words, width, indent);
}

std::vector<std::string> option_names(const Command& command) {
  std::vector<std::string> names;
  for (const auto& option : option_details(command)) names.emplace_back(long_name(option));
  return names;
}

namespace {

// "  --root DIR              the Backdrop root", the description wrapped at
// 100 columns (on a line of its own under a long option).
std::string option_help_line(const cxxopts::HelpOptionDetails& option) {
  constexpr size_t kColumn = 28;
  constexpr size_t kWidth = 100;
  std::string text = "  " + usage_word(option);
  std::string description = option.desc;
  if (option.has_default && !option.is_boolean && !option.default_value.empty()) {
    description += fmt::format(" (default {})", option.default_value);
  }
  size_t column = text.size();
  if (column + 2 > kColumn) {
    text += "\n";
    column = 0;
  }
  bool first = true;
  for (const std::string& word : split(description, ' ')) {
    if (!first && column + 1 + word.size() > kWidth) {
      text += "\n";
      column = 0;
    }
    if (column < kColumn) {
      text += std::string(kColumn - column, ' ');
      column = kColumn;
    } else {
      text += ' ';
      ++column;
    }
    text += word;
    column += word.size();
    first = false;
  }
  return text + "\n";
}

}  // namespace

std::string command_help(const Command& command) {
  std::string text = fmt::format("usage: {}\n\n{}\n\noptions:\n", usage_line(command, 100, 10), command.summary);
  std::vector<cxxopts::HelpOptionDetails> options = option_details(command);
  for (const auto& option : options) text += option_help_line(option);
  if (options.empty()) text += "  none but the global options\n";
  return text +
         "\nglobal options: --root DIR, --state-dir DIR, --json, --yes, -v, -q, --sync-delete, --help "
         "(civiup --help)\n";
}

std::string help_text() {
  std::string text = fmt::format(
      "civiup {} - upgrade CiviCRM on a Backdrop CMS site as one transaction\n\n"
      "usage: civiup [global options] COMMAND [options]  (global options may also follow the command)\n\n"
      "commands:\n",
      kVersion);
  for (const Command& command : kCommands) {
    text += fmt::format("  {:<10} {}{}\n", command.name, command.summary,
                        command.run == nullptr ? "  (not built yet)" : "");
    text += fmt::format("    {}\n", usage_line(command, 96, 8));
  }
  text +=
      "\nglobal options:\n"
      "  --root DIR       the Backdrop root (default: the current directory or its nearest parent that is one)\n"
      "  --state-dir DIR  where snapshots, journal, lock and logs live (default <root>.civiup)\n"
      "  --json           print exactly one JSON object on stdout\n"
      "  --yes, -y        answer yes to confirmations (never prompts)\n"
      "  -v, --verbose    debug detail on stderr: commands run, timings of every step\n"
      "  -q, --quiet      warnings and errors only; no progress line\n"
      "  --sync-delete    delete replaced trees and dumps before returning (also CIVIUP_SYNC_DELETE=1);\n"
      "                   by default a low-priority background process deletes them\n"
      "  -h, --help       this help; after a command, that command's options\n"
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
      Reply reply;
      reply.fields = {{"version", kVersion}, {"fault_injection", fault_injection_compiled()}};
      reply.summary = fmt::format("civiup {}\n", kVersion);
      return to_int(reply.print(global));
    }
    if (parsed.help && !parsed.command.empty()) {
      if (const Command* command = find_command(parsed.command)) {
        std::cout << command_help(*command);
        return 0;
      }
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
    return to_int(command->run(CommandContext{global, parsed.args}));
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
