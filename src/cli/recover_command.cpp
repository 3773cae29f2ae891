// civiup recover: finish an interrupted run from the journal (back before the
// commit point, forward after it).  Idempotent: with nothing to finish it says
// so and exits 0.
#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/cli/command_support.hpp"
#include "civiup/cli/reply.hpp"
#include "civiup/cli/transaction_commands.hpp"
#include "civiup/site/site.hpp"
#include "civiup/transaction/journal.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {

void define_recover_options(cxxopts::Options&) {}  // the root and state directory are global options

ExitCode recover_command(const CommandContext& context) {
  cxxopts::Options options("civiup recover");
  define_recover_options(options);
  parse_command_options(options, context.args);
  const std::filesystem::path& root = context.site().root;
  const std::filesystem::path& state_dir = context.site().state_dir;

  std::optional<JournalRecord> record = Journal(journal_file(state_dir)).load();
  if (!record || record->finished()) {
    Reply nothing;
    nothing.fields = {{"command", "recover"},
                      {"phases", nlohmann::json::array()},
                      {"maintenance_seconds", 0},
                      {"snapshot", {{"id", nullptr}}},
                      {"recovered", false}};
    nothing.summary = fmt::format("nothing to recover in {}\n", state_dir.string());
    return nothing.print(context.global);
  }
  confirm_or_refuse(context.global,
                    fmt::format("Finish the interrupted {} of {}?", record->transaction, root.string()));
  std::optional<UpgradeOutcome> outcome = recover_upgrade(state_dir);
  if (!outcome) return ExitCode::kSuccess;
  return report_upgrade(context.global, "recover", UpgradeRun::from_json(record->context), *outcome);
}

}  // namespace civiup
