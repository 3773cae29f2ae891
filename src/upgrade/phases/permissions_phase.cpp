// Phase 9: the web server must see the new code as it saw the old, and must be
// able to write compiled templates.  Staging already gave the new tree the old
// tree's owner and modes; this checks the result where it now lives and that
// the compile directory is writable by its owner (a read-only templates_c is
// the most common cause of a white screen after an upgrade).
#include <sys/stat.h>

#include "civiup/base/error.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

struct stat stat_of(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) fail_errno(fmt::format("stat of {}", path.string()));
  return info;
}

class PermissionsPhase final : public WorldPhase {
 public:
  PermissionsPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog&) override {
    struct stat now = stat_of(world_.civicrm_dir());
    struct stat before = stat_of(world_.run().staged_tree());  // the old tree, after the swap
    if (now.st_uid != before.st_uid || now.st_gid != before.st_gid) {
      fail("{} is owned by {}:{}, the tree it replaced by {}:{}", world_.civicrm_dir().string(), now.st_uid, now.st_gid,
           before.st_uid, before.st_gid);
    }
    fs::path compiled = world_.civicrm_settings().template_compile_dir;
    std::error_code error;
    if (fs::exists(compiled, error)) {
      struct stat info = stat_of(compiled);
      if (!S_ISDIR(info.st_mode)) fail("{} (CIVICRM_TEMPLATE_COMPILEDIR) is not a directory", compiled.string());
      if ((info.st_mode & S_IWUSR) == 0) {
        fail("{} (CIVICRM_TEMPLATE_COMPILEDIR) is not writable by its owner (uid {})", compiled.string(), info.st_uid);
      }
    }
  }

  void undo(const nlohmann::json&) override {}
};

}  // namespace

std::unique_ptr<Phase> permissions(UpgradeWorld& world, std::string name) {
  return std::make_unique<PermissionsPhase>(world, std::move(name));
}

}  // namespace civiup::phases
