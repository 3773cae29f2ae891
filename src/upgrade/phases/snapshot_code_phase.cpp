// Phase 3: the code snapshot (libgit2) of what the upgrade may change:
// modules/civicrm, both settings files, the active config directory and
// files/civicrm minus compiled templates and user uploads (DESIGN.md §3).
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/site/site_snapshot.hpp"
#include "civiup/system/terminal_progress.hpp"
#include "civiup/version.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {

class SnapshotCodePhase final : public WorldPhase {
 public:
  SnapshotCodePhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    const UpgradeRun& run = world_.run();
    snapshot::CodeSnapshotSpec spec = site_code_snapshot_spec(world_.run().root, world_.backdrop_settings(),
                                                              world_.civicrm_settings(), run.extensions_dir);
    spec.message = fmt::format("before upgrading CiviCRM {} to {}", run.from_code_version, run.to_version);
    spec.labels = {{"kind", "pre-upgrade"},
                   {"run", run.id},
                   {"code_version", run.from_code_version},
                   {"db_version", run.from_db_version},
                   {"dumps", run.dumps_dir().filename().string()}};
    snapshot::CodeSnapshotResult result = take_code_snapshot(std::move(spec), undo);
    spdlog::info("code snapshot {} ({} entries, {} files hashed)", result.info.id, result.entries, result.files_hashed);
  }

  void undo(const nlohmann::json& data) override { forget_code_snapshot(data); }
};

}  // namespace

std::unique_ptr<Phase> snapshot_code(UpgradeWorld& world, std::string name) {
  return std::make_unique<SnapshotCodePhase>(world, std::move(name));
}

}  // namespace civiup::phases
