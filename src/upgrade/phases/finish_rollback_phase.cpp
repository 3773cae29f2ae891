// Rollback's last phase, after its commit point: the trees and files that were
// live before the rollback and the old compiled templates go to the trash
// (deleted in the background, off the way back's critical path).  The dumps
// taken for undo stay: with keep-replaced's code snapshot they are the
// pre-rollback snapshot, so `civiup restore` can undo the rollback.
// Idempotent: recover re-runs it after a crash.
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

class FinishRollbackPhase final : public WorldPhase {
 public:
  FinishRollbackPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog&) override {
    const UpgradeRun& run = world_.run();
    discard(run.staging_dir());
    discard(compiled_templates_aside(world_.civicrm_settings().template_compile_dir, run.id));
    spdlog::info(
        "moved the replaced tree and the old compiled templates into the trash; the replaced state is "
        "kept as a snapshot");
  }

  void undo(const nlohmann::json&) override {}
};

}  // namespace

std::unique_ptr<Phase> finish_rollback(UpgradeWorld& world, std::string name) {
  return std::make_unique<FinishRollbackPhase>(world, std::move(name));
}

}  // namespace civiup::phases
