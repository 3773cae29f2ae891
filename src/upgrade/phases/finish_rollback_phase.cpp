// Rollback's last phase, after its commit point: the tree that was live before
// the rollback, the old compiled templates and the dumps taken for undo go to
// the trash (deleted in the background, off the way back's critical path).  Idempotent: recover re-runs it after a crash.
#include <spdlog/spdlog.h>

#include "civiup/snapshot/error.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

class FinishRollbackPhase final : public WorldPhase {
 public:
  explicit FinishRollbackPhase(UpgradeWorld& world) : WorldPhase(world, "finish-rollback") {}

  void apply(UndoLog&) override {
    const UpgradeRun& run = world_.run();
    discard(run.staging_dir());
    discard(compiled_templates_aside(world_.civicrm_settings().template_compile_dir, run.id));
    discard(run.dumps_dir());
    spdlog::info("moved the replaced tree, the old compiled templates and the undo dumps into the trash");
  }

  void undo(const nlohmann::json&) override {}
};

}  // namespace

std::unique_ptr<Phase> finish_rollback(UpgradeWorld& world) { return std::make_unique<FinishRollbackPhase>(world); }

}  // namespace civiup::phases
