#include "civiup/cli/command_support.hpp"

#include <unistd.h>

#include <iostream>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/cli/release_source.hpp"
#include "civiup/cli/reply.hpp"

namespace civiup {

cxxopts::ParseResult parse_command_options(cxxopts::Options& options, const std::vector<std::string>& args,
                                           std::vector<std::string>* positional) {
  std::vector<std::string> words = {options.program()};
  std::vector<std::string> expanded = expand_bare_l10n(args);  // `--l10n` alone: the release's l10n tarball
  words.insert(words.end(), expanded.begin(), expanded.end());
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  try {
    cxxopts::ParseResult result = options.parse(static_cast<int>(argv.size()), argv.data());
    const std::vector<std::string>& rest = result.unmatched();
    if (positional != nullptr) {
      *positional = rest;
    } else if (!rest.empty()) {
      fail("{}: unexpected argument '{}'", options.program(), rest.front());
    }
    return result;
  } catch (const cxxopts::exceptions::exception& e) {
    fail("{}: {}", options.program(), e.what());
  }
}

void confirm_or_refuse(const GlobalOptions& global, const std::string& question) {
  if (global.yes) return;
  if (::isatty(STDIN_FILENO) == 0 || global.json) {
    fail("{}: not confirmed (no terminal to ask on); add --yes", question);
  }
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer != "y" && answer != "Y" && answer != "yes") fail("{}: not confirmed", question);
}

bool accept_discarding(const GlobalOptions& global, const std::string& command, const DiscardedChanges& discarded,
                       bool discard_changes) {
  if (discarded.empty()) return true;
  if (!global.quiet || !discard_changes) (global.json ? std::cerr : std::cout) << discarded.text() << std::flush;
  if (discard_changes) return true;
  bool can_ask = ::isatty(STDIN_FILENO) != 0 && !global.json && !global.yes;
  if (can_ask) {
    std::cerr << "Discard these changes? (they are kept in a snapshot of their own) [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer == "y" || answer == "Y" || answer == "yes") return true;
  }
  Reply refusal{ExitCode::kRefused};
  refusal.error = fmt::format(
      "{}: {} would be discarded; {}add --discard-changes (the {} keeps them in a "
      "snapshot of its own, which `civiup restore` brings back)",
      command, discarded.summary(), can_ask ? "not confirmed; " : "",
      command == "civiup restore" ? "restore" : "rollback");
  refusal.fields = {{"command", command.substr(command.find(' ') + 1)}, {"discarded", discarded.to_json()}};
  refusal.print(global);
  return false;
}

void report_after_question(const GlobalOptions& global, const DiscardedChanges& discarded) {
  std::string text = discarded.after_question_text();
  if (!text.empty()) (global.json ? std::cerr : std::cout) << text << std::flush;
}

ExitCode exit_code_of(const TransactionResult& result) {
  switch (result.outcome) {
    case JournalOutcome::kCommitted:
      return ExitCode::kSuccess;
    case JournalOutcome::kRolledBack:
      return ExitCode::kRolledBack;
    default:
      return ExitCode::kIncomplete;
  }
}

nlohmann::json phases_json(const std::vector<PhaseReport>& phases) {
  nlohmann::json list = nlohmann::json::array();
  for (const PhaseReport& phase : phases) {
    list.push_back({{"name", phase.name}, {"status", phase.status}, {"seconds", phase.seconds}});
  }
  return list;
}

std::string phases_text(const std::vector<PhaseReport>& phases) {
  std::string text;
  for (const PhaseReport& phase : phases) {
    text += fmt::format("  {:<22} {:<12} {:>8.2f} s\n", phase.name, phase.status, phase.seconds);
  }
  return text;
}

}  // namespace civiup
