// Phase 1: the site is still what the plan was made for.  The full preflight
// (civiup check) ran before the transaction started; this re-reads the two
// versions the plan depends on, in case something changed in between.
#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {

class PreflightPhase final : public WorldPhase {
 public:
  PreflightPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog&) override {
    const UpgradeRun& run = world_.run();
    std::string code = read_code_version(world_.civicrm_dir()).str();
    if (code != run.from_code_version) {
      fail("{} changed from {} to {} since the plan was made", world_.civicrm_dir().string(), run.from_code_version,
           code);
    }
    std::string database = read_database_version(world_.civicrm_db()).str();
    if (database != run.from_db_version) {
      fail("civicrm_domain.version changed from {} to {} since the plan was made", run.from_db_version, database);
    }
  }

  void undo(const nlohmann::json&) override {}
};

}  // namespace

std::unique_ptr<Phase> preflight(UpgradeWorld& world, std::string name) {
  return std::make_unique<PreflightPhase>(world, std::move(name));
}

}  // namespace civiup::phases
