// Phase 3b: a full dump of every database of the site while the site is still
// online (one consistent snapshot of all; only DDL waits with BACKUP STAGE,
// writes a moment with LOCK TABLES), so the window's snapshot-databases
// re-dumps only what changed since.  It changes nothing on the site.  It also
// starts the Backdrop session (bee only) that maintenance-on, frontpage-off and
// disable-integrations use, so its bootstrap is outside the window.
// In a rollback (or restore) it is the rollback's own undo and the kept
// pre-rollback state: taken as a delta against the snapshot being restored,
// whose tables mostly did not change since its consistent point (hard links).
#include "civiup/system/terminal_progress.hpp"
#include "upgrade/phases/site_dumps.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

class PreSnapshotDatabasesPhase final : public WorldPhase {
 public:
  PreSnapshotDatabasesPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    fs::path dir = world_.run().pre_dumps_dir();
    undo.record("pre_dumps_dir", dir.string());
    // With bee, the Backdrop session for the window's first steps bootstraps
    // while the dump runs, and is ready before the window opens.
    world_.start_backdrop_session();
    PhaseProgress progress(name());
    // Rollback: a delta against the target's dumps (complete on its own; the
    // target's files it shares are hard links).  Upgrade: a full dump.
    dump_site_databases(world_, dir, world_.run().restore_dumps, &progress);
    // Rollback: the restore-databases phase's comparison, made here while the
    // site is online; the window applies it to the tables not written since.
    if (!world_.run().restore_dumps.empty()) {
      undo.record("restore_plan_dir", world_.run().restore_plan_dir().string());
      plan_site_restores(world_, world_.run().restore_dumps, world_.run().restore_plan_dir());
    }
    world_.wait_backdrop_session();
  }

  // Nothing to put back on the site; the dumps hold personal data.
  void undo(const nlohmann::json& data) override {
    world_.end_backdrop_session();
    if (data.contains("pre_dumps_dir")) discard(data["pre_dumps_dir"].get<std::string>());
    if (data.contains("restore_plan_dir")) discard(data["restore_plan_dir"].get<std::string>());
  }
};

}  // namespace

std::unique_ptr<Phase> pre_snapshot_databases(UpgradeWorld& world, std::string name) {
  return std::make_unique<PreSnapshotDatabasesPhase>(world, std::move(name));
}

}  // namespace civiup::phases
