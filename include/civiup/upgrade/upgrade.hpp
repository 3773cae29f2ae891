#pragma once
// The upgrade transaction as a whole: plan it (read-only: every refusal
// happens here, before anything changes), run its phases under the state
// directory's lock and journal, and recover an interrupted one.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "civiup/check/preflight.hpp"
#include "civiup/transaction/state_dir.hpp"
#include "civiup/transaction/transaction.hpp"
#include "civiup/upgrade/upgrade_run.hpp"

namespace civiup {

// What `check` examines, plus what only the run itself uses.
struct UpgradeOptions : PreflightOptions {
  int db_upgrade_timeout_seconds = 3600;
  int quiesce_timeout_seconds = 10;    // --quiesce-timeout: wait for the site's open transactions
  std::string health_url;              // --url: the site's base URL for the health check
  bool no_health_check = false;        // --no-health-check: no check, not even of the URL in the settings
  bool discard_local_changes = false;  // --discard-local-changes: upgrade over local patches
};

// The state directory must lie outside the web root (dumps hold personal
// data) and on the filesystem of modules/ (the swap is a rename).  Throws the
// first problem; `state_dir` need not exist yet.
void check_state_dir(const std::filesystem::path& state_dir, const std::filesystem::path& root);

// Throws when the state directory's journal holds an unfinished run: "in use"
// while its civiup lives, else "run civiup recover first".
void refuse_unfinished_journal(const std::filesystem::path& state_dir);

// The DB upgrade command: `line` split like a shell would, or `cv upgrade:db
// --no-interaction`, or `drush civicrm-upgrade-db`, whichever is on PATH.
std::vector<std::string> db_upgrade_command(const std::string& line, std::map<std::string, std::string>* env);

// Reads the site, both databases and the release and decides everything the
// run needs.  Changes nothing; throws (exit 2) when the upgrade must not run.
UpgradeRun plan_upgrade(const UpgradeOptions& options);

struct UpgradeOutcome {
  TransactionResult result;
  double maintenance_seconds = 0;            // maintenance on to off (or back off after a rollback)
  std::string snapshot;                      // the pre-upgrade code snapshot id
  std::vector<std::string> missing_modules;  // integration modules the release no longer ships
  std::filesystem::path log_file;
  nlohmann::json extra = nlohmann::json::object();  // more fields for the command's JSON (e.g. "discarded")
};

// Runs a planned upgrade or rollback (run.transaction): creates the state
// directory (0700), takes its lock, refuses when an unfinished journal is
// there, and applies the phases.  Leftover trash is emptied first when
// `space_needed` bytes are not free, else handed to a background deleter;
// what the run itself discarded is deleted in the background afterwards.
UpgradeOutcome run_transaction(const UpgradeRun& run, uint64_t space_needed = 0);

struct RollbackOptions {
  std::optional<std::filesystem::path> root;
  std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::path state_dir;
  std::string snapshot;  // --to: a code snapshot id (prefix); empty: the newest pre-upgrade one
};

// A new run of `transaction` for the site at `root_option` (or found from
// `cwd`): its id, root and state directory, the latter checked (outside the
// web root, on the filesystem of modules/, no unfinished journal).
UpgradeRun start_run(const std::string& transaction, const std::optional<std::filesystem::path>& root_option,
                     const std::filesystem::path& cwd, const std::filesystem::path& state_dir);

// The newest pre-upgrade snapshot (or the one named) with usable dumps, and
// the site's current versions.  Changes nothing; throws (exit 2) when there
// is nothing to roll back to.
UpgradeRun plan_rollback(const RollbackOptions& options);

// What a rollback or restore writes into the state directory: a full dump of
// the current databases (about the size of the snapshot's dumps) and the
// checkout of the code snapshot (about the size of modules/civicrm).
uint64_t rollback_space_needed(const UpgradeRun& run);

// Finishes an interrupted run (upgrade or rollback) found in the state directory's journal: first
// stops a DB upgrade command it had started, then rolls back before the commit
// point and forward after it.  nullopt when there is nothing to recover.
std::optional<UpgradeOutcome> recover_upgrade(const std::filesystem::path& state_dir);

// The maintenance window from phase reports: every apply and undo from
// maintenance-on up to maintenance-off (or the undo of maintenance-on).
double maintenance_seconds(const std::vector<PhaseReport>& phases);

}  // namespace civiup
