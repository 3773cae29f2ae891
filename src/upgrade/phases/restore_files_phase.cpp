// Rollback phase, in the window after swap-code: every other path the code
// snapshot holds (settings.php, settings.local.php, civicrm.settings.php, the
// active config directory, files/civicrm) comes back from the checkout that
// restore-snapshot staged.  Each path changes places with the live one in one
// renameat2(RENAME_EXCHANGE) (a file as well as a directory: atomic, both
// parents fsynced), or is renamed into place when the site no longer has it.
// User data the snapshot excludes (uploads, custom/, persist/, compiled
// templates) is never touched: before a directory is exchanged, its excluded
// entries move from the live tree into the staged one, so they stay where
// they are after the exchange.  Undo decides from the inodes in place.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/system/directory_swap.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

// The inode at `path`, 0 when nothing is there.
uint64_t inode_at(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return 0;
    fail_errno(fmt::format("stat of {}", path.string()));
  }
  return info.st_ino;
}

void rename_durably(const fs::path& from, const fs::path& to) {
  if (::syscall(SYS_renameat2, AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    fail_errno(fmt::format("renaming {} to {}", from.string(), to.string()));
  }
  fsync_parent(from);
  fsync_parent(to);
}

// `path` relative to `top`, when it lies strictly under it.
std::optional<std::string> under(const std::string& top, const std::string& path) {
  if (path.size() <= top.size() + 1 || !path.starts_with(top + "/")) return std::nullopt;
  return path.substr(top.size() + 1);
}

class RestoreFilesPhase final : public WorldPhase {
 public:
  RestoreFilesPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    const UpgradeRun& run = world_.run();
    snapshot::CodeSnapshotInfo info = world_.code_repository().find(run.restore_snapshot);
    fs::path checkout = run.staging_dir() / "snapshot";
    nlohmann::json items = nlohmann::json::array();
    for (const std::string& path : info.paths) {
      if (path == "modules/civicrm") continue;  // swap-code's
      fs::path staged = checkout / path;
      if (inode_at(staged) == 0) continue;
      nlohmann::json item = {{"live", (run.root / path).string()},
                             {"staged", staged.string()},
                             {"new_inode", inode_at(staged)},
                             {"old_inode", inode_at(run.root / path)},
                             {"kept", kept_entries(path, info.exclude)}};
      items.push_back(item);
      undo.record("items", items);  // the intent, before this path moves
      put_in_place(item);
    }
    spdlog::info("restored {} paths of snapshot {} besides modules/civicrm", items.size(), run.restore_snapshot);
  }

  void undo(const nlohmann::json& data) override {
    if (!data.contains("items")) return;
    const nlohmann::json& items = data["items"];
    for (auto it = items.rbegin(); it != items.rend(); ++it) take_back(*it);
  }

 private:
  // The excluded entries that exist in the live `path` (relative to it):
  // they stay in the site whatever the snapshot holds.
  nlohmann::json kept_entries(const std::string& path, const std::vector<std::string>& exclude) const {
    std::set<std::string> kept;  // the compile dir may be listed twice
    for (const std::string& pattern : exclude) {
      std::string clean = fs::path(pattern).lexically_normal().generic_string();
      while (clean.ends_with("/")) clean.pop_back();
      std::optional<std::string> inside = under(path, clean);
      if (inside && inode_at(world_.run().root / clean) != 0) kept.insert(*inside);
    }
    return kept;
  }

  static void put_in_place(const nlohmann::json& item) {
    fs::path live = item["live"].get<std::string>();
    fs::path staged = item["staged"].get<std::string>();
    if (item["old_inode"].get<uint64_t>() == 0) {
      rename_durably(staged, live);
      return;
    }
    for (const auto& entry : item["kept"]) {
      fs::path into = staged / entry.get<std::string>();
      fs::create_directories(into.parent_path());
      rename_durably(live / entry.get<std::string>(), into);
    }
    exchange_directories(staged, live);
  }

  // Idempotent: each step checks where the inodes are.
  static void take_back(const nlohmann::json& item) {
    fs::path live = item["live"].get<std::string>();
    fs::path staged = item["staged"].get<std::string>();
    uint64_t old_inode = item["old_inode"].get<uint64_t>();
    uint64_t new_inode = item["new_inode"].get<uint64_t>();
    uint64_t in_place = inode_at(live);
    if (in_place == new_inode) {
      if (old_inode == 0) {
        rename_durably(live, staged);
      } else if (inode_at(staged) == old_inode) {
        exchange_directories(staged, live);
      } else {
        fail("{} does not hold the replaced {}; cannot put it back", staged.string(), live.string());
      }
    } else if (in_place != old_inode) {
      fail("{} holds neither the replaced nor the restored entry (inode {}); not touching it", live.string(), in_place);
    }
    // The user data moved into the staged tree goes back where it was.
    for (const auto& entry : item["kept"]) {
      fs::path from = staged / entry.get<std::string>();
      fs::path to = live / entry.get<std::string>();
      if (inode_at(from) != 0 && inode_at(to) == 0) rename_durably(from, to);
    }
  }
};

}  // namespace

std::unique_ptr<Phase> restore_files(UpgradeWorld& world, std::string name) {
  return std::make_unique<RestoreFilesPhase>(world, std::move(name));
}

}  // namespace civiup::phases
