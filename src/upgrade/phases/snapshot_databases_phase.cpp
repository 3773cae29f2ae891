// Phase 5: every database of the site are dumped (the snapshot library's consistent,
// checksummed dump) once the site is offline and its open transactions have
// finished, so nothing the site writes can be lost by a rollback.  The dumps
// are deltas against the online pre-snapshot: only tables changed since are
// dumped again, the rest hard-linked, so the window does not grow with the
// database.  When Backdrop and CiviCRM share one database it is dumped once.
// The upgrade-database phase restores from these dumps.
#include "civiup/system/terminal_progress.hpp"
#include "upgrade/phases/site_dumps.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

class SnapshotDatabasesPhase final : public WorldPhase {
 public:
  SnapshotDatabasesPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    const UpgradeRun& run = world_.run();
    undo.record("dumps_dir", run.dumps_dir().string());
    wait_for_site_transactions(world_, run.quiesce_timeout_seconds);
    PhaseProgress progress(name());
    dump_site_databases(world_, run.dumps_dir(), run.pre_dumps_dir(), &progress);
    // The deltas stand alone (hard links); the pre-snapshot has served.
    discard(run.pre_dumps_dir());
  }

  // The dumps of a rolled-back run are of no further use and hold personal data.
  void undo(const nlohmann::json& data) override {
    if (!data.contains("dumps_dir")) return;
    discard(data["dumps_dir"].get<std::string>());
  }
};

}  // namespace

std::unique_ptr<Phase> snapshot_databases(UpgradeWorld& world, std::string name) {
  return std::make_unique<SnapshotDatabasesPhase>(world, std::move(name));
}

}  // namespace civiup::phases
