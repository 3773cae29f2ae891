// Phase 13: Views, page, layout and bootstrap caches are flushed, as the
// manual procedure says after re-enabling modules.  Caches rebuild
// themselves, so there is nothing to undo.
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {

class ClearCachesPhase final : public WorldPhase {
 public:
  ClearCachesPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog&) override {
    // Already open after enable-integrations; a rollback opens its session here (bee only).
    world_.start_backdrop_session();
    world_.wait_backdrop_session();
    world_.admin().clear_caches();
  }

  void undo(const nlohmann::json&) override {}
};

}  // namespace

std::unique_ptr<Phase> clear_caches(UpgradeWorld& world, std::string name) {
  return std::make_unique<ClearCachesPhase>(world, std::move(name));
}

}  // namespace civiup::phases
