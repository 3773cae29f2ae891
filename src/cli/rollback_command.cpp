// civiup rollback [--to SNAPSHOT]: code and every database back to the
// pre-upgrade snapshot (the newest, or the one named), as its own journaled
// transaction.
#include <chrono>

#include <fmt/format.h>

#include "civiup/cli/command_support.hpp"
#include "civiup/cli/transaction_commands.hpp"
#include "civiup/base/error.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {

void define_rollback_options(cxxopts::Options& options) {
  options.add_options()
      ("root", "the Backdrop root", cxxopts::value<std::string>(), "DIR")
      ("to", "the snapshot to return to (default: the newest pre-upgrade one)", cxxopts::value<std::string>(),
       "SNAPSHOT")
      ("discard-changes", "go on although rows or files written since the upgrade would be discarded");
}

ExitCode rollback_command(const Invocation& invocation) {
  cxxopts::Options options("civiup rollback");
  define_rollback_options(options);
  cxxopts::ParseResult parsed = parse_command_options(options, invocation.args);
  RollbackOptions rollback;
  if (parsed.count("root") != 0) rollback.root = parsed["root"].as<std::string>();
  if (parsed.count("to") != 0) rollback.snapshot = parsed["to"].as<std::string>();
  rollback.state_dir = invocation.global.state_dir;
  UpgradeRun run = plan_rollback(rollback);
  run.discarded = std::make_shared<DiscardedChanges>(find_discarded_changes(run));
  const DiscardedChanges& discarded = *run.discarded;
  if (!accept_discarding(invocation.global, "civiup rollback", discarded, parsed.count("discard-changes") != 0)) {
    return ExitCode::kRefused;
  }
  confirm_or_refuse(invocation.global,
                    fmt::format("Roll {} back from CiviCRM {} to {} (snapshot {})?", run.root.string(),
                                run.from_code_version, run.to_version, run.restore_snapshot.substr(0, 12)));
  install_interrupt_handlers();
  UpgradeOutcome outcome = run_transaction(run, rollback_space_needed(run));
  // The final figures: keep-replaced added what was written after the question.
  if (outcome.result.outcome == JournalOutcome::kCommitted) report_after_question(invocation.global, discarded);
  outcome.extra["discarded"] = discarded.to_json();
  return report_upgrade(invocation.global, "rollback", run, outcome);
}

}  // namespace civiup
