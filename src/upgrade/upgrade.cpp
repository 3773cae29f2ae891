#include "civiup/upgrade/upgrade.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "civiup/backdrop/backdrop_config.hpp"
#include "civiup/backdrop/backdrop_modules.hpp"
#include "civiup/backdrop/civicrm_extensions.hpp"
#include "civiup/backdrop/site_admin.hpp"
#include "civiup/backdrop/upgrader.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/private_files.hpp"
#include "civiup/check/health_check_plan.hpp"
#include "civiup/release/release.hpp"
#include "civiup/site/database_session.hpp"
#include "civiup/site/site.hpp"
#include "civiup/site/site_snapshot.hpp"
#include "civiup/system/child_process.hpp"
#include "civiup/system/directory_swap.hpp"
#include "civiup/system/paths.hpp"
#include "civiup/system/run_log.hpp"
#include "civiup/transaction/journal.hpp"
#include "civiup/transaction/state_lock.hpp"
#include "civiup/transaction/state_trash.hpp"
#include "civiup/upgrade/upgrade_world.hpp"
#include "upgrade/phases/undo_records.hpp"
#include "upgrade/phases/upgrade_phases.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

// The nearest existing ancestor (the state directory may not exist yet).
fs::path existing_ancestor(fs::path path) {
  std::error_code error;
  while (!fs::exists(path, error) && path.has_parent_path() && path.parent_path() != path) path = path.parent_path();
  return path;
}

}  // namespace

void check_state_dir(const fs::path& state_dir, const fs::path& root) {
  fs::path state = fs::absolute(state_dir).lexically_normal();
  fs::path real_root = fs::weakly_canonical(root);
  fs::path real_state = fs::weakly_canonical(state);
  if (inside_or_same(real_state, real_root)) {
    fail("state directory {}: inside the web root {} (it holds database dumps with personal data); use --state-dir",
         state.string(), root.string());
  }
  if (!same_filesystem(existing_ancestor(real_state), root / "modules")) {
    fail("state directory {}: not on the filesystem of {} (the code swap is a rename); use --state-dir", state.string(),
         (root / "modules").string());
  }
}

std::vector<std::string> db_upgrade_command(const std::string& line, std::map<std::string, std::string>* env) {
  if (!line.empty()) {
    ParsedCommandLine parsed = with_context("--db-upgrade", [&] { return split_command_line(line); });
    if (parsed.argv.empty()) fail("--db-upgrade: empty command");
    if (env != nullptr) *env = parsed.env;
    return parsed.argv;
  }
  if (find_on_path("cv")) return {"cv", "upgrade:db", "--no-interaction"};
  if (find_on_path("drush")) return {"drush", "-y", "civicrm-upgrade-db"};
  return {};
}

void refuse_unfinished_journal(const fs::path& state_dir) {
  std::optional<JournalRecord> journal = Journal(journal_file(state_dir)).load();
  if (!journal || journal->finished()) return;
  if (journal->pid != 0 && journal->pid != ::getpid() && process_alive(journal->pid)) {
    fail("state directory {}: in use by civiup (pid {}), which is running a {}", state_dir.string(), journal->pid,
         journal->transaction);
  }
  fail("state directory {}: an unfinished {} (id {}) is in its journal: run `civiup recover` first", state_dir.string(),
       journal->transaction, journal->id);
}

UpgradeRun start_run(const std::string& transaction, const std::optional<fs::path>& root_option, const fs::path& cwd,
                     const fs::path& state_dir) {
  UpgradeRun run;
  run.transaction = transaction;
  run.id = new_run_id();
  run.root = find_backdrop_root(root_option, cwd);
  run.state_dir = resolve_state_dir(run.root, state_dir);
  check_state_dir(run.state_dir, run.root);
  refuse_unfinished_journal(run.state_dir);
  return run;
}

UpgradeRun plan_upgrade(const UpgradeOptions& options) {
  UpgradeRun run = start_run("upgrade", options.root, options.cwd, options.state_dir);
  Site site = discover_site(run.root);

  // The release, read whole and verified before anything else is decided.
  run.release_file = fs::absolute(options.release_file);
  ReleaseTarball release = ReleaseTarball::verify(run.release_file);
  if (options.l10n_file) {
    run.l10n_file = fs::absolute(*options.l10n_file);
    ReleaseTarball::verify(*run.l10n_file, TarballKind::kL10n);
  }

  // Versions: code, database, release.
  std::unique_ptr<DatabaseSession> civicrm = connect_database(site.civicrm.dsn);
  Version database = read_database_version(*civicrm);
  require_upgrade_allowed(site.code_version, database, *release.version(), options.force);
  try {
    run.extensions_dir = find_extensions_dir(run.root, site.backdrop, site.civicrm, civicrm.get()).path;
  } catch (const std::exception& e) {
    // Only the snapshot's coverage depends on it (check says so): not a refusal.
    spdlog::warn("{}: the extensions directory is not added to the code snapshots", e.what());
  }
  // The upgrade itself would work, but `civiup rollback` could not bring these back.
  snapshot::CodeSnapshotSpec spec = site_code_snapshot_spec(run.root, site.backdrop, site.civicrm, run.extensions_dir);
  if (auto why = unrestorable_path(run.root, spec.paths, run.state_dir))
    fail("{}; a rollback could not restore it", *why);
  run.from_code_version = site.code_version.str();
  run.from_db_version = database.str();
  run.to_version = release.version()->str();
  run.to_db_version = run.to_version;
  run.force = options.force;

  // Modules: no competing civicrm copy; the integrations to switch off.
  ModuleScan scan = scan_modules(run.root / "modules");
  if (auto duplicate = scan.duplicates.find("civicrm"); duplicate != scan.duplicates.end()) {
    fail(
        "{}: a second copy of civicrm competes with modules/civicrm (Backdrop scans modules/ recursively); "
        "remove it",
        duplicate->second.front().parent_path().string());
  }
  std::unique_ptr<DatabaseSession> backdrop_session = connect_database(site.backdrop.database);
  // The logging database is dumped and restored with the others: refuse now, not mid-run.
  for (const SiteDatabase& other : site_databases(site.backdrop, site.civicrm)) {
    if (other.role() == "logging") with_context("logging database", [&] { connect_database(other.dsn); });
  }
  BackdropDatabase backdrop(*backdrop_session, site.backdrop.table_prefix);
  run.original.maintenance_mode = backdrop.state_value("maintenance_mode");
  run.original.integration_modules = dependents_in_enable_order(scan, backdrop.enabled_modules());
  for (const std::string& name : run.original.integration_modules) {
    run.original.module_status[name] = backdrop.module_status(name).value_or("1");
  }

  // The front page: settings.php may override the config file, which civiup does not edit.
  run.original.frontpage = ActiveConfig(site.backdrop, backdrop_session.get()).frontpage();
  if (site.backdrop.frontpage_override && is_civicrm_path(*site.backdrop.frontpage_override)) {
    fail("{}: $config['system.core']['site_frontpage'] is '{}', a CiviCRM page; point it elsewhere for the upgrade",
         site.backdrop.settings_file.string(), *site.backdrop.frontpage_override);
  }

  run.db_upgrade_timeout_seconds = options.db_upgrade_timeout_seconds;
  run.quiesce_timeout_seconds = options.quiesce_timeout_seconds;
  HealthCheckPlan health = plan_health_check(options.health_url, options.no_health_check, site.backdrop, site.civicrm);
  run.health_url = health.url;
  run.health_source = health.source;
  run.health_skipped = health.skipped;
  run.bee_argv = bee_for_run(options.bee);
  Upgrader upgrader =
      choose_upgrader(options.db_upgrade, run.bee_argv, run.root, run.staging_dir() / kUpgradeRunnerName);
  if (upgrader.kind.empty()) fail("no DB upgrade command: {}; give --db-upgrade 'COMMAND'", upgrader.reason);
  spdlog::debug("DB upgrade: {} ({})", fmt::join(upgrader.argv, " "), upgrader.reason);
  run.db_upgrade_argv = upgrader.argv;
  run.db_upgrade_env = upgrader.env;
  run.db_upgrade_kind = upgrader.kind;
  run.db_upgrade_runner = upgrader.runner_file;
  return run;
}

double maintenance_seconds(const std::vector<PhaseReport>& phases) {
  double total = 0;
  bool inside = false;
  for (const PhaseReport& phase : phases) {
    if (phase.name == "maintenance-on" && phase.status != "undone") inside = true;
    if (inside) total += phase.seconds;
    if (phase.name == "maintenance-off" && phase.status == "done") inside = false;
    if (phase.name == "maintenance-on" && phase.status == "undone") inside = false;
  }
  return total;
}

namespace {

// The state dir and the directories that hold dumps, staged code and logs are
// the owner's only (0700): dumps hold personal data, logs name the site's tables.
void prepare_state_dir(const fs::path& state_dir) {
  for (const fs::path& dir :
       {state_dir, state_dir / "dumps", state_dir / "pre-dumps", state_dir / "staging", state_dir / "logs"})
    make_private_directory(dir);
}

// The code snapshot phase `phase` took in the journal's run, "" when none.
std::string code_snapshot_of(const JournalRecord& record, const std::string& phase) {
  for (const JournalPhase& p : record.phases) {
    if (p.name == phase) return phases::recorded_code_snapshot(p.undo);
  }
  return {};
}

void log_health_check_plan(const UpgradeRun& run) {
  if (!run.health_url.empty()) {
    spdlog::info("health check before the commit point: {} ({})", run.health_url, run.health_source);
  } else {
    spdlog::warn("no health check: {}", run.health_skipped);
  }
}

UpgradeOutcome outcome_from(const TransactionResult& result, const Journal& journal) {
  UpgradeOutcome outcome;
  outcome.result = result;
  outcome.maintenance_seconds = maintenance_seconds(result.phases);
  if (auto record = journal.load()) {
    outcome.snapshot = record->transaction == "rollback" ? record->context.value("restore_snapshot", "")
                                                         : code_snapshot_of(*record, "snapshot-code");
    // The state a finished rollback or restore replaced, kept as a snapshot.
    std::string kept = code_snapshot_of(*record, "keep-replaced");
    if (!kept.empty() && result.outcome == JournalOutcome::kCommitted) outcome.extra["kept_snapshot"] = kept;
    for (const JournalPhase& p : record->phases) {
      if (p.name == "enable-integrations") outcome.missing_modules = phases::recorded_missing_modules(p.undo);
    }
  }
  return outcome;
}

}  // namespace

UpgradeOutcome run_transaction(const UpgradeRun& run, uint64_t space_needed) {
  prepare_state_dir(run.state_dir);
  StateLock lock(run.state_dir);
  RunLog log(logs_dir(run.state_dir) / (run.id + "-" + run.transaction + ".log"));
  spdlog::info("{}: CiviCRM {} (database {}) to {} (database {}) in {}", run.transaction, run.from_code_version,
               run.from_db_version, run.to_version, run.to_db_version, run.root.string());
  if (run.transaction == "upgrade") log_health_check_plan(run);
  sweep_trash(run.state_dir, space_needed);
  UpgradeWorld world(run);
  Journal journal(journal_file(run.state_dir));
  JournalRecord record;
  record.transaction = run.transaction;
  record.id = run.id;
  record.started_at = run.id.substr(0, 16);
  record.pid = static_cast<int>(::getpid());
  record.commit_phase = phases::kCommitPhase;
  record.context = run.to_json();
  TransactionRunner runner(journal, std::move(record));
  std::vector<std::unique_ptr<Phase>> phases = phases::make_phases(run.transaction, world);
  TransactionResult result = runner.run(phases);
  UpgradeOutcome outcome = outcome_from(result, journal);
  outcome.log_file = log.file();
  delete_trash_later(run.state_dir);
  return outcome;
}

std::optional<UpgradeOutcome> recover_upgrade(const fs::path& state_dir) {
  Journal journal(journal_file(state_dir));
  std::optional<JournalRecord> record = journal.load();
  if (!record || record->finished()) return std::nullopt;
  StateLock lock(state_dir);
  UpgradeRun run = with_context(fmt::format("journal {}", journal.path().string()),
                                [&] { return UpgradeRun::from_json(record->context); });
  RunLog log(logs_dir(state_dir) / (run.id + "-recover.log"));
  spdlog::info("recovering the {} run {} ({} to {})", record->transaction, run.id, run.from_code_version,
               run.to_version);
  // A civiup that died may have left its DB upgrade command running: it must
  // stop before anything is restored under it.
  for (const JournalPhase& phase : record->phases) {
    if (std::optional<pid_t> pgid = phases::recorded_child_pgid(phase.undo)) {
      if (!kill_process_group(*pgid)) fail("process group {} (the DB upgrade command) would not die", *pgid);
    }
  }
  sweep_trash(state_dir, 0);
  UpgradeWorld world(run);
  PhaseFactory factory = [&](const std::string& name) { return phases::make_phase(name, world); };
  TransactionResult result = TransactionRunner::recover(journal, factory, phases::phase_order(run.transaction));
  UpgradeOutcome outcome = outcome_from(result, journal);
  outcome.log_file = log.file();
  delete_trash_later(state_dir);
  return outcome;
}

}  // namespace civiup
