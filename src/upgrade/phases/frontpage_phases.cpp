// Phases 6 and 14: CiviCRM must not be the front page while it is replaced
// (the sysadmin guide's step).  site_frontpage lives in the active config's
// system.core (a file, or Backdrop 1.28+'s active_config table); when it is a
// civicrm path it is set to a safe page and put back at the end.
#include "civiup/backdrop/backdrop_config.hpp"
#include "civiup/base/error.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {

class FrontpageOffPhase final : public WorldPhase {
 public:
  FrontpageOffPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog&) override {
    if (is_civicrm_path(world_.run().original.frontpage))
      world_.active_config().set_frontpage(world_.run().safe_frontpage);
  }

  void undo(const nlohmann::json&) override { restore_original(world_); }

  static void restore_original(UpgradeWorld& world) {
    world.active_config().set_frontpage(world.run().original.frontpage);
  }
};

class RestoreFrontpagePhase final : public WorldPhase {
 public:
  RestoreFrontpagePhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog&) override { FrontpageOffPhase::restore_original(world_); }

  // Back to the state after frontpage-off (whose own undo then restores the original).
  void undo(const nlohmann::json&) override {
    if (is_civicrm_path(world_.run().original.frontpage))
      world_.active_config().set_frontpage(world_.run().safe_frontpage);
  }
};

}  // namespace

std::unique_ptr<Phase> frontpage_off(UpgradeWorld& world, std::string name) {
  return std::make_unique<FrontpageOffPhase>(world, std::move(name));
}
std::unique_ptr<Phase> restore_frontpage(UpgradeWorld& world, std::string name) {
  return std::make_unique<RestoreFrontpagePhase>(world, std::move(name));
}

}  // namespace civiup::phases
