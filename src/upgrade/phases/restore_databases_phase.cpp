// Rollback phase: every database of the site go back to the snapshot's dumps, reloading
// only what differs (selective restore, verified by checksums).  Undo
// reloads the dumps of the state the rollback started from.
#include "civiup/system/terminal_progress.hpp"
#include "upgrade/phases/site_dumps.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

class RestoreDatabasesPhase final : public WorldPhase {
 public:
  RestoreDatabasesPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  // With the plan pre-snapshot-databases made online (tables written since
  // are compared again here); it has served once applied.
  void apply(UndoLog&) override {
    restore_all(world_.run().restore_dumps, StepOf::kApply, world_.run().restore_plan_dir());
    discard(world_.run().restore_plan_dir());
  }

  // No plan: the state to go back to is the window's own snapshot.
  void undo(const nlohmann::json&) override { restore_all(world_.run().dumps_dir(), StepOf::kUndo, {}); }

 private:
  void restore_all(const fs::path& dumps, StepOf step_of, const fs::path& plan) {
    PhaseProgress progress(name(), step_of);
    restore_site_databases(world_, dumps, &progress, plan);
  }
};

}  // namespace

std::unique_ptr<Phase> restore_databases(UpgradeWorld& world, std::string name) {
  return std::make_unique<RestoreDatabasesPhase>(world, std::move(name));
}

}  // namespace civiup::phases
