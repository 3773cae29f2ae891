// Phase 17, after the commit point: a post-upgrade code snapshot (the base
// for spotting local patches next time) and the row digests of every table
// (the base for what a later rollback would discard), then the old tree and the old
// compiled templates go to the trash (deleted in the background).  Idempotent: recover re-runs it after a crash.
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/site/site_snapshot.hpp"
#include "civiup/system/terminal_progress.hpp"
#include "civiup/upgrade/discarded_changes.hpp"
#include "civiup/version.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

class CommitPhase final : public WorldPhase {
 public:
  CommitPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    const UpgradeRun& run = world_.run();
    // The old compiled templates first: set aside inside files/civicrm, they
    // would otherwise be in the post-upgrade snapshot (and in what a later
    // rollback reports as discarded).
    discard(compiled_templates_aside(world_.civicrm_settings().template_compile_dir, run.id));
    snapshot::CodeSnapshotSpec spec =
        site_code_snapshot_spec(run.root, world_.backdrop_settings(), world_.civicrm_settings(), run.extensions_dir);
    spec.message = fmt::format("after upgrading CiviCRM {} to {}", run.from_code_version, run.to_version);
    spec.labels = {
        {"kind", "post-upgrade"}, {"run", run.id}, {"code_version", run.to_version}, {"db_version", run.to_version}};
    take_code_snapshot(std::move(spec), undo);
    // What the databases hold as the upgrade left them, so a later rollback
    // can say what it would discard.  Best effort: without it the rollback
    // compares with the pre-upgrade dumps (and lists the upgrade's own changes).
    try {
      record_post_upgrade_tables(world_, post_upgrade_tables_file(run.dumps_dir()));
    } catch (const std::exception& e) {
      spdlog::warn("recording the upgraded tables for a later rollback's report: {}", e.what());
    }
    discard(run.staging_dir());  // the old tree, swapped out
    spdlog::info("moved the old tree and the old compiled templates into the trash");
  }

  void undo(const nlohmann::json&) override {}
};

}  // namespace

std::unique_ptr<Phase> commit(UpgradeWorld& world, std::string name) {
  return std::make_unique<CommitPhase>(world, std::move(name));
}

}  // namespace civiup::phases
