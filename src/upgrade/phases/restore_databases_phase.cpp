// Rollback phase: both databases go back to the snapshot's dumps, reloading
// only what differs (selective restore, verified by checksums).  Undo
// reloads the dumps of the state the rollback started from.
#include <spdlog/spdlog.h>

#include "civiup/snapshot/db/database_restore.hpp"
#include "civiup/snapshot/error.hpp"
#include "civiup/terminal_progress.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

class RestoreDatabasesPhase final : public WorldPhase {
 public:
  explicit RestoreDatabasesPhase(UpgradeWorld& world) : WorldPhase(world, "restore-databases") {}

  void apply(UndoLog&) override { restore_all(world_.run().restore_dumps, StepOf::kApply); }

  void undo(const nlohmann::json&) override { restore_all(world_.run().dumps_dir(), StepOf::kUndo); }

 private:
  void restore_all(const fs::path& dumps, StepOf step_of) {
    world_.reconnect();
    restore(world_.civicrm_settings().dsn, dumps / "civicrm", step_of);
    if (!world_.shared_database()) restore(world_.backdrop_settings().database, dumps / "backdrop", step_of);
  }

  void restore(const DatabaseDsn& dsn, const fs::path& dump, StepOf step_of) {
    PhaseProgress progress(name(), step_of);
    snapshot::db::RestoreOptions options;
    options.progress = &progress;
    snapshot::db::RestoreReport report =
        snapshot::db::restore_changed(database_login(dsn), dsn.database, dump, options);
    spdlog::info("restored {} from {}: {}", dsn.redacted(), dump.string(), snapshot::db::summary(report));
  }
};

}  // namespace

std::unique_ptr<Phase> restore_databases(UpgradeWorld& world) {
  return std::make_unique<RestoreDatabasesPhase>(world);
}

}  // namespace civiup::phases
