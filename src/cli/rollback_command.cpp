// civiup rollback [--to SNAPSHOT]: code and every database back to the
// pre-upgrade snapshot (the newest, or the one named), as its own journaled
// transaction.
#include <chrono>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/cli/command_support.hpp"
#include "civiup/cli/transaction_commands.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {

void define_rollback_options(cxxopts::Options& options) {
  options.add_options()("to", "the snapshot to return to (default: the newest pre-upgrade one)",
                        cxxopts::value<std::string>(), "SNAPSHOT")(
      "discard-changes", "go on although rows or files written since the upgrade would be discarded");
}

ExitCode rollback_command(const CommandContext& context) {
  cxxopts::Options options("civiup rollback");
  define_rollback_options(options);
  cxxopts::ParseResult parsed = parse_command_options(options, context.args);
  RollbackOptions rollback;
  rollback.root = context.site().root;
  rollback.state_dir = context.site().state_dir;
  if (parsed.count("to") != 0) rollback.snapshot = parsed["to"].as<std::string>();
  UpgradeRun run = plan_rollback(rollback);
  run.discarded = std::make_shared<DiscardedChanges>(find_discarded_changes(run));
  const DiscardedChanges& discarded = *run.discarded;
  if (!accept_discarding(context.global, "civiup rollback", discarded, parsed.count("discard-changes") != 0)) {
    return ExitCode::kRefused;
  }
  confirm_or_refuse(context.global,
                    fmt::format("Roll {} back from CiviCRM {} to {} (snapshot {})?", run.root.string(),
                                run.from_code_version, run.to_version, run.restore_snapshot.substr(0, 12)));
  install_interrupt_handlers();
  UpgradeOutcome outcome = run_transaction(run, rollback_space_needed(run));
  // The final figures: keep-replaced added what was written after the question.
  if (outcome.result.outcome == JournalOutcome::kCommitted) report_after_question(context.global, discarded);
  outcome.extra["discarded"] = discarded.to_json();
  return report_upgrade(context.global, "rollback", run, outcome);
}

}  // namespace civiup
