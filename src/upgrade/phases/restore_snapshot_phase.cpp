// Rollback phase: the whole code snapshot is checked out into the staging
// area (never over the live tree), with its recorded modes, owners and empty
// directories: its modules/civicrm ready for swap-code, the other paths
// (settings files, active config, files/civicrm) for restore-files.  Undo
// removes it.
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/system/terminal_progress.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

class RestoreSnapshotPhase final : public WorldPhase {
 public:
  RestoreSnapshotPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    const UpgradeRun& run = world_.run();
    fs::path checkout = run.staging_dir() / "snapshot";
    undo.record("staging_dir", run.staging_dir().string());
    discard(run.staging_dir());  // an interrupted earlier attempt
    fs::create_directories(run.staging_dir());
    fs::permissions(run.staging_dir(), fs::perms::owner_all, fs::perm_options::replace);
    PhaseProgress progress(name());
    snapshot::RestoreOptions options;
    options.progress = &progress;
    world_.code_repository().restore(run.restore_snapshot, checkout, options);
    fs::path tree = checkout / "modules" / "civicrm";
    if (!fs::is_directory(tree)) fail("snapshot {} holds no modules/civicrm", run.restore_snapshot);
    fs::rename(tree, run.staged_tree());
    spdlog::info("checked out modules/civicrm of snapshot {} into {}", run.restore_snapshot,
                 run.staged_tree().string());
  }

  // Only while the staging area holds the checkout: after the swap it holds
  // the tree that was live, which the swap's undo puts back first.
  void undo(const nlohmann::json& data) override {
    if (!data.contains("staging_dir")) return;
    discard(data["staging_dir"].get<std::string>());
  }
};

}  // namespace

std::unique_ptr<Phase> restore_snapshot(UpgradeWorld& world, std::string name) {
  return std::make_unique<RestoreSnapshotPhase>(world, std::move(name));
}

}  // namespace civiup::phases
