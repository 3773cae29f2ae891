#pragma once
// What the commands that run transactions share: option parsing on top of
// cxxopts, the confirmation question, and printing a transaction's outcome
// (human-readable, or the one JSON object of DESIGN.md §4).
#include <string>
#include <vector>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "civiup/cli/cli.hpp"
#include "civiup/transaction/transaction.hpp"
#include "civiup/upgrade/discarded_changes.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {

// Parses a command's own arguments; unknown options and stray words are errors
// naming them.  `positional` receives the words when given.
cxxopts::ParseResult parse_command_options(cxxopts::Options& options, const std::vector<std::string>& args,
                                           std::vector<std::string>* positional = nullptr);

// Asks `question` on a terminal; --yes answers it.  Without a terminal and
// without --yes the command is refused: nothing is changed unasked.
void confirm_or_refuse(const GlobalOptions& global, const std::string& question);

// What a rollback or restore would discard (discarded_changes.hpp), shown
// before anything changes.  Nothing to discard, --discard-changes, or "y" on
// a terminal (never with --yes or --json): true, go on.  Otherwise the
// refusal is printed (one error line; with --json the object, "discarded"
// included) and false is returned: exit 2, nothing changed.
bool accept_discarding(const GlobalOptions& global, const std::string& command, const DiscardedChanges& discarded,
                       bool discard_changes);

// After a committed rollback or restore: the tables written after the
// question (also discarded), on stdout (stderr with --json, which has them in
// its `discarded`); nothing when there are none.
void report_after_question(const GlobalOptions& global, const DiscardedChanges& discarded);

// The exit code a transaction's outcome means.
ExitCode exit_code_of(const TransactionResult& result);

// The phases as JSON: [{"name","status","seconds"}, ...].
nlohmann::json phases_json(const std::vector<PhaseReport>& phases);

// The phase table of a summary, one line a phase.
std::string phases_text(const std::vector<PhaseReport>& phases);

// The options of `upgrade`, shared with `rehearse` (which runs the same
// upgrade on a copy).  `command` ("civiup upgrade") names errors.
void add_upgrade_options(cxxopts::Options& options);
// Root and state directory come from context.site(), resolved after the
// options are checked.
UpgradeOptions upgrade_options_from(const cxxopts::ParseResult& parsed, const CommandContext& context,
                                    std::string_view command);

// The same preflight as `civiup check`: throws its first problem (exit 2).
// `options` has its root and state directory set (upgrade_options_from).
// Returns the bytes the run needs in the state directory (free space may
// count on the trash being emptied first).
uint64_t require_preflight(const UpgradeOptions& options);

// Throws (exit 2) when modules/civicrm has files changed since the post-upgrade
// snapshot of the previous upgrade, unless options.discard_local_changes.
void refuse_local_changes(const UpgradeOptions& options);

// Prints the end of an upgrade, rollback, restore or recover (text or JSON)
// and returns its exit code.
ExitCode report_upgrade(const GlobalOptions& global, const std::string& command, const UpgradeRun& run,
                        const UpgradeOutcome& outcome);

}  // namespace civiup
