// civiup recover: finish an interrupted run from the journal (back before the
// commit point, forward after it).  Idempotent: with nothing to finish it says
// so and exits 0.
#include <iostream>

#include <fmt/format.h>

#include "civiup/cli/command_support.hpp"
#include "civiup/cli/transaction_commands.hpp"
#include "civiup/transaction/journal.hpp"
#include "civiup/site/site.hpp"
#include "civiup/base/error.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {

void define_recover_options(cxxopts::Options& options) {
  options.add_options()("root", "the Backdrop root", cxxopts::value<std::string>(), "DIR");
}

ExitCode recover_command(const Invocation& invocation) {
  cxxopts::Options options("civiup recover");
  define_recover_options(options);
  cxxopts::ParseResult parsed = parse_command_options(options, invocation.args);
  std::optional<std::filesystem::path> root_option;
  if (parsed.count("root") != 0) root_option = parsed["root"].as<std::string>();
  std::filesystem::path root = find_backdrop_root(root_option, std::filesystem::current_path());
  std::filesystem::path state_dir =
      invocation.global.state_dir.empty() ? default_state_dir(root) : std::filesystem::path(invocation.global.state_dir);

  std::optional<JournalRecord> record = Journal(journal_file(state_dir)).load();
  if (!record || record->finished()) {
    if (invocation.global.json) {
      std::cout << nlohmann::json{{"ok", true}, {"exit_code", 0}, {"error", nullptr}, {"command", "recover"},
                                  {"phases", nlohmann::json::array()}, {"maintenance_seconds", 0},
                                  {"snapshot", {{"id", nullptr}}}, {"recovered", false}}
                       .dump()
                << '\n';
    } else {
      std::cout << fmt::format("nothing to recover in {}\n", state_dir.string());
    }
    return ExitCode::kSuccess;
  }
  confirm_or_refuse(invocation.global, fmt::format("Finish the interrupted {} of {}?", record->transaction,
                                                   root.string()));
  std::optional<UpgradeOutcome> outcome = recover_upgrade(state_dir);
  if (!outcome) return ExitCode::kSuccess;
  return report_upgrade(invocation.global, "recover", UpgradeRun::from_json(record->context), *outcome);
}

}  // namespace civiup
