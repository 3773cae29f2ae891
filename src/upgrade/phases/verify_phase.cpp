// Phase 16, the commit point: the code in modules/civicrm and the database
// both say the target version.  Once this is done the upgrade stands; a later
// crash is finished forward by recover.
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/system/health_check.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {

class VerifyPhase final : public WorldPhase {
 public:
  VerifyPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog&) override {
    const std::string& target = world_.run().to_version;
    const std::string& target_db = world_.run().to_db_version;
    std::string code = read_code_version(world_.civicrm_dir()).str();
    if (code != target) fail("{} holds CiviCRM {}, not {}", world_.civicrm_dir().string(), code, target);
    std::string database = read_database_version(world_.civicrm_db()).str();
    if (database != target_db) fail("civicrm_domain.version is {}, not {}", database, target_db);
    if (world_.backdrop().maintenance_mode() && !original_maintenance_on()) {
      fail("maintenance mode is still on");
    }
    if (!world_.run().health_url.empty()) run_health_check(health_check_pages(world_.run().health_url));
    spdlog::info("verified: code at {}, database at {}", target, target_db);
  }

  void undo(const nlohmann::json&) override {}

 private:
  bool original_maintenance_on() const {
    const auto& original = world_.run().original.maintenance_mode;
    return original && php_unserialize_truthy(*original);
  }
};

}  // namespace

std::unique_ptr<Phase> verify(UpgradeWorld& world, std::string name) {
  return std::make_unique<VerifyPhase>(world, std::move(name));
}

}  // namespace civiup::phases
