#include "upgrade/phases/upgrade_phases.hpp"

#include <cstdlib>

#include "civiup/snapshot/error.hpp"

namespace civiup::phases {
namespace {

using Factory = std::unique_ptr<Phase> (*)(UpgradeWorld&);

struct NamedPhase {
  const char* name;
  Factory make;
};

// DESIGN.md §3: outside the maintenance window first, then the window.
constexpr NamedPhase kPhases[] = {
    {"preflight", preflight},
    {"stage-release", stage_release},
    {"snapshot-code", snapshot_code},
    {"maintenance-on", maintenance_on},
    {"snapshot-databases", snapshot_databases},
    {"frontpage-off", frontpage_off},
    {"disable-integrations", disable_integrations},
    {"swap-code", swap_code},
    {"permissions", permissions},
    {"clear-templates", clear_templates},
    {"upgrade-database", upgrade_database},
    {"enable-integrations", enable_integrations},
    {"clear-caches", clear_caches},
    {"restore-frontpage", restore_frontpage},
    {"maintenance-off", maintenance_off},
    {"verify", verify},
    {"commit", commit},
};

}  // namespace

const std::vector<std::string>& upgrade_phase_order() {
  static const std::vector<std::string> order = [] {
    std::vector<std::string> names;
    for (const NamedPhase& phase : kPhases) names.emplace_back(phase.name);
    return names;
  }();
  return order;
}

std::vector<std::unique_ptr<Phase>> upgrade_phases(UpgradeWorld& world) {
  std::vector<std::unique_ptr<Phase>> phases;
  for (const NamedPhase& phase : kPhases) phases.push_back(phase.make(world));
  return phases;
}

std::unique_ptr<Phase> make_upgrade_phase(const std::string& name, UpgradeWorld& world) {
  for (const NamedPhase& phase : kPhases) {
    if (name == phase.name) return phase.make(world);
  }
  return nullptr;
}

void fault_point(const std::string& phase, const char* when) {
  const char* armed = std::getenv("CIVIUP_FAULT");
  if (armed == nullptr || *armed == '\0') return;
  std::string spec = armed;
  std::string wanted_when = "before";
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    wanted_when = spec.substr(colon + 1);
    spec.resize(colon);
  }
  if (spec == phase && wanted_when == when) fail("injected fault ({}:{})", phase, when);
}

}  // namespace civiup::phases
