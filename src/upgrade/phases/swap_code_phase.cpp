// Phase 8: the staged release and modules/civicrm change places in one
// renameat2(RENAME_EXCHANGE): there is no moment without modules/civicrm and
// never a mixed tree.  Undo decides from the real state (which inode sits in
// modules/civicrm), not from the journal alone, so it is right even when the
// crash came between the exchange and the journal write.
#include <sys/stat.h>

#include <chrono>

#include <spdlog/spdlog.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/system/directory_swap.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

uint64_t inode_of(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) fail_errno(fmt::format("stat of {}", path.string()));
  return info.st_ino;
}

class SwapCodePhase final : public WorldPhase {
 public:
  SwapCodePhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    world_.end_backdrop_session();  // its Backdrop has the old code loaded
    fs::path live = world_.civicrm_dir();
    fs::path staged = world_.run().staged_tree();
    // One journal write (each is fsynced): the window pays for it.
    undo.record({{"live", live.string()},
                 {"staged", staged.string()},
                 {"new_inode", inode_of(staged)},
                 {"old_inode", inode_of(live)}});
    auto started = std::chrono::steady_clock::now();
    exchange_directories(staged, live);
    spdlog::info("swapped {} into {} ({:.1f} ms with the directory fsyncs)", staged.string(), live.string(),
                 std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  }

  void undo(const nlohmann::json& data) override {
    world_.end_backdrop_session();            // its Backdrop has the new code loaded
    if (!data.contains("old_inode")) return;  // the intent was never complete: nothing moved
    fs::path live = data["live"].get<std::string>();
    fs::path staged = data["staged"].get<std::string>();
    uint64_t in_place = inode_of(live);
    if (in_place == data["old_inode"].get<uint64_t>()) return;  // the old tree is in place
    if (in_place != data["new_inode"].get<uint64_t>()) {
      fail("{} holds neither the old nor the new tree (inode {}); not touching it", live.string(), in_place);
    }
    if (inode_of(staged) != data["old_inode"].get<uint64_t>()) {
      fail("{} does not hold the old tree; cannot swap it back", staged.string());
    }
    exchange_directories(staged, live);
    spdlog::info("swapped the old tree back into {}", live.string());
  }
};

}  // namespace

std::unique_ptr<Phase> swap_code(UpgradeWorld& world, std::string name) {
  return std::make_unique<SwapCodePhase>(world, std::move(name));
}

}  // namespace civiup::phases
