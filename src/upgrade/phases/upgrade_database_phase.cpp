// Phase 11: the DB upgrade command (cv upgrade:db, drush civicrm-upgrade-db,
// or --db-upgrade) runs in the Backdrop root, in its own process group that
// dies with civiup, under a timeout, its output in the log.  Success is judged
// from the database: civicrm_domain.version must be the target exactly, since
// upgraders (and bee) can exit 0 leaving "X.Y.Z.upgrade" behind.  Undo stops
// what may still run and restores every database from the phase-5 dumps,
// reloading only the tables that changed.
#include <chrono>

#include <spdlog/spdlog.h>

#include "civiup/backdrop/upgrader.hpp"
#include "civiup/base/error.hpp"
#include "civiup/system/child_process.hpp"
#include "civiup/system/terminal_progress.hpp"
#include "upgrade/phases/site_dumps.hpp"
#include "upgrade/phases/undo_records.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

std::string last_line(const std::string& output) {
  size_t end = output.find_last_not_of("\r\n \t");
  if (end == std::string::npos) return {};
  size_t start = output.find_last_of('\n', end);
  return output.substr(start == std::string::npos ? 0 : start + 1,
                       end - (start == std::string::npos ? 0 : start + 1) + 1);
}

class UpgradeDatabasePhase final : public WorldPhase {
 public:
  UpgradeDatabasePhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    const UpgradeRun& run = world_.run();
    if (run.db_upgrade_argv.empty()) fail("no DB upgrade command (give --db-upgrade, or install php, cv or drush)");
    // civiup's own runner (upgrader.hpp) is written fresh for each run, next to the staged release.
    if (!run.db_upgrade_runner.empty()) write_php_program(run.db_upgrade_runner, kUpgradeRunnerPhp);
    // The Backdrop session for enable-integrations onwards (bee only) bootstraps
    // while the upgrader runs: on the new code, and Backdrop's own tables and
    // state are not the upgrader's.  CiviCRM boots in it only when a module
    // enabled afterwards asks, on the upgraded database.
    world_.start_backdrop_session();
    ChildCommand command;
    command.argv = run.db_upgrade_argv;
    command.env = run.db_upgrade_env;
    command.cwd = run.root;
    command.timeout = std::chrono::seconds(run.db_upgrade_timeout_seconds);
    command.on_start = [&](pid_t pgid) {
      undo.record(kChildPgidKey, pgid);
      if (world_.on_child_start) world_.on_child_start(pgid);
    };
    spdlog::info("running {} in {}", fmt::join(command.argv, " "), run.root.string());
    // The upgrader reports no counts: the progress line shows the time it has
    // taken and its last task line ("[3/9] Upgrade DB to 5.75.0", as civiup's
    // runner and cv print them).
    PhaseProgress progress(name());
    progress.begin("upgrading the database", 0, "");
    command.on_line = [&progress](std::string_view line) {
      spdlog::info("| {}", line);
      if (line.starts_with('[') && line.find("] ") != std::string_view::npos) {
        progress.begin(fmt::format("upgrading the database: {}", line.substr(0, 60)), 0, "");
      }
    };
    ChildResult result = run_child(command);
    progress.end();
    spdlog::debug("{} exited with status {}", command.argv[0], result.exit_code);
    if (result.timed_out) {
      fail("{} did not finish within {} s and was killed", command.argv[0], run.db_upgrade_timeout_seconds);
    }
    if (result.exit_code != 0) {
      fail("{} exited with status {}: {}", command.argv[0], result.exit_code, last_line(result.output));
    }
    Version now = read_database_version(world_.civicrm_db());
    if (now.str() != run.to_version) {
      fail("{} exited 0 but civicrm_domain.version is {}, not {}", command.argv[0], now.str(), run.to_version);
    }
  }

  void undo(const nlohmann::json& data) override {
    if (std::optional<pid_t> pgid = recorded_child_pgid(data)) {
      if (!kill_process_group(*pgid)) fail("the DB upgrade command (process group {}) would not die", *pgid);
    }
    PhaseProgress progress(name(), StepOf::kUndo);
    restore_site_databases(world_, world_.run().dumps_dir(), &progress);
  }
};

}  // namespace

std::unique_ptr<Phase> upgrade_database(UpgradeWorld& world, std::string name) {
  return std::make_unique<UpgradeDatabasePhase>(world, std::move(name));
}

}  // namespace civiup::phases
