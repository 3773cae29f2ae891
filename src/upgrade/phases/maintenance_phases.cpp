// Phases 4 and 15: Backdrop's maintenance mode (row `maintenance_mode` of
// table `state`, PHP-serialized) goes on before anything visible changes and
// back to its recorded original value at the end.  The two phases are one
// concept, so they share this file.
#include "civiup/base/error.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {

class MaintenanceOnPhase final : public WorldPhase {
 public:
  MaintenanceOnPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog&) override { world_.admin().maintenance_on(); }

  // The original raw value (or no row) from the plan, byte for byte.
  void undo(const nlohmann::json&) override {
    world_.admin(true).restore_maintenance(world_.run().original.maintenance_mode);
  }
};

class MaintenanceOffPhase final : public WorldPhase {
 public:
  MaintenanceOffPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog&) override { world_.admin().restore_maintenance(world_.run().original.maintenance_mode); }

  void undo(const nlohmann::json&) override { world_.admin(true).maintenance_on(); }
};

}  // namespace

std::unique_ptr<Phase> maintenance_on(UpgradeWorld& world, std::string name) {
  return std::make_unique<MaintenanceOnPhase>(world, std::move(name));
}
std::unique_ptr<Phase> maintenance_off(UpgradeWorld& world, std::string name) {
  return std::make_unique<MaintenanceOffPhase>(world, std::move(name));
}

}  // namespace civiup::phases
