// Phases 7 and 12: the enabled modules that depend on civicrm (directly or
// transitively; never civicrm itself) are disabled before the code swap, in
// reverse dependency order, and re-enabled after the DB upgrade in dependency
// order.  A module the new release no longer ships is reported and left
// disabled (civicrmtheme once left the release); it does not fail the upgrade.
#include <spdlog/spdlog.h>

#include "civiup/backdrop/backdrop_modules.hpp"
#include "civiup/base/error.hpp"
#include "upgrade/phases/undo_records.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {

class DisableIntegrationsPhase final : public WorldPhase {
 public:
  DisableIntegrationsPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog&) override {
    const std::vector<std::string>& modules = world_.run().original.integration_modules;
    SiteAdmin admin = world_.admin();
    for (auto it = modules.rbegin(); it != modules.rend(); ++it) {
      admin.disable_module(*it);
      spdlog::info("disabled module {}", *it);
    }
  }

  void undo(const nlohmann::json&) override {
    SiteAdmin admin = world_.admin(true);
    for (const std::string& name : world_.run().original.integration_modules) {
      if (admin.database().module_status(name) == world_.run().original.module_status.at(name)) continue;
      admin.enable_module(name, world_.run().original.module_status.at(name));
    }
  }
};

class EnableIntegrationsPhase final : public WorldPhase {
 public:
  EnableIntegrationsPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    ModuleScan scan = scan_modules(world_.modules_dir());
    // The window's second Backdrop session (bee only), started by upgrade-database.
    world_.start_backdrop_session();
    world_.wait_backdrop_session();
    SiteAdmin admin = world_.admin();
    nlohmann::json missing = nlohmann::json::array();
    for (const std::string& name : world_.run().original.integration_modules) {
      if (!scan.modules.contains(name)) {
        spdlog::warn("module {} is no longer on disk (the new release does not ship it): left disabled", name);
        missing.push_back(name);
        continue;
      }
      admin.enable_module(name, world_.run().original.module_status.at(name));
      spdlog::info("enabled module {}", name);
    }
    undo.record(kMissingModulesKey, missing);
  }

  // Back to "disabled" (disable-integrations' undo then restores the originals).
  void undo(const nlohmann::json&) override {
    SiteAdmin admin = world_.admin(true);
    const std::vector<std::string>& modules = world_.run().original.integration_modules;
    for (auto it = modules.rbegin(); it != modules.rend(); ++it) {
      if (admin.database().module_status(*it).value_or("0") != "0") admin.disable_module(*it);
    }
  }
};

}  // namespace

std::unique_ptr<Phase> disable_integrations(UpgradeWorld& world, std::string name) {
  return std::make_unique<DisableIntegrationsPhase>(world, std::move(name));
}
std::unique_ptr<Phase> enable_integrations(UpgradeWorld& world, std::string name) {
  return std::make_unique<EnableIntegrationsPhase>(world, std::move(name));
}

}  // namespace civiup::phases
