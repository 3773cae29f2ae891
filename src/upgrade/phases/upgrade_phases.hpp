#pragma once
// The upgrade's and the rollback's phases: one table (upgrade_phases.cpp) of
// name, factory and why, in the order they run; one class per file.  Each
// apply records what its undo needs before it acts; each undo works from that
// record alone and may run twice.
#include <memory>
#include <string>
#include <vector>

#include "civiup/system/fault_point.hpp"
#include "civiup/transaction/transaction.hpp"
#include "civiup/upgrade/phase_plan.hpp"
#include "civiup/upgrade/upgrade_world.hpp"

namespace civiup::phases {

std::unique_ptr<Phase> preflight(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> stage_release(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> snapshot_code(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> pre_snapshot_databases(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> maintenance_on(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> snapshot_databases(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> frontpage_off(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> disable_integrations(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> swap_code(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> permissions(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> clear_templates(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> upgrade_database(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> enable_integrations(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> clear_caches(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> restore_frontpage(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> maintenance_off(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> verify(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> commit(UpgradeWorld& world, std::string name);
// Rollback's own phases (the rest are shared with the upgrade).
std::unique_ptr<Phase> restore_snapshot(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> restore_files(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> restore_databases(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> keep_replaced(UpgradeWorld& world, std::string name);
std::unique_ptr<Phase> finish_rollback(UpgradeWorld& world, std::string name);

std::vector<std::unique_ptr<Phase>> make_phases(const std::string& transaction, UpgradeWorld& world);
std::unique_ptr<Phase> make_phase(const std::string& name, UpgradeWorld& world);

// Where clear-templates moves the old compiled templates (commit deletes them).
std::filesystem::path compiled_templates_aside(const std::filesystem::path& compiled, const std::string& run_id);

}  // namespace civiup::phases
