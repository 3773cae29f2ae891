// Phase 2: the release is unpacked into the state directory (same filesystem
// as modules/, never inside it: Backdrop scans modules/ recursively), with the
// owner and modes of the tree it will replace, and synced to disk.
#include <sys/stat.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/release/release.hpp"
#include "civiup/system/terminal_progress.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

uint64_t inode_of(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return 0;
  return info.st_ino;
}

class StageReleasePhase final : public WorldPhase {
 public:
  StageReleasePhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    const UpgradeRun& run = world_.run();
    undo.record("staging_dir", run.staging_dir().string());
    ReleaseTarball release = ReleaseTarball::verify(run.release_file);
    if (!release.version() || release.version()->str() != run.to_version) {
      fail("{}: no longer the release {} the plan was made for", run.release_file.string(), run.to_version);
    }
    std::optional<ReleaseTarball> l10n;
    if (run.l10n_file) l10n = ReleaseTarball::verify(*run.l10n_file, TarballKind::kL10n);
    fs::create_directories(run.staging_dir().parent_path());
    ReferenceTree reference = ReferenceTree::from_directory(world_.civicrm_dir());
    PhaseProgress progress(name());
    StagedRelease staged = stage_release(release, l10n ? &*l10n : nullptr, run.staging_dir(), reference, &progress);
    undo.record("staged_inode", inode_of(staged.tree));
    spdlog::info("staged {} ({} files, {} bytes) in {}", staged.version.str(), staged.file_count, staged.unpacked_bytes,
                 staged.tree.string());
  }

  // Removes the staging directory, but never while it holds anything other
  // than the staged release (after a swap it holds the old tree: the swap's
  // undo must have put it back first).
  void undo(const nlohmann::json& data) override {
    if (!data.contains("staging_dir")) return;
    fs::path staging = data["staging_dir"].get<std::string>();
    fs::path tree = staging / "civicrm";
    uint64_t inode = inode_of(tree);
    if (inode != 0 && data.contains("staged_inode") && inode != data["staged_inode"].get<uint64_t>()) {
      fail("{} does not hold the staged release; left in place", tree.string());
    }
    discard(staging);
  }
};

}  // namespace

std::unique_ptr<Phase> stage_release(UpgradeWorld& world, std::string name) {
  return std::make_unique<StageReleasePhase>(world, std::move(name));
}

}  // namespace civiup::phases
