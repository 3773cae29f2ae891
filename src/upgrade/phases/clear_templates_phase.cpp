// Phase 10: compiled Smarty templates of the old release must go (the manual
// step "delete files/civicrm/templates_c/*").  The directory is renamed aside
// next to itself (same filesystem, one step) and replaced by an empty one with
// the same owner and mode; undo renames it back, commit deletes it.
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

class ClearTemplatesPhase final : public WorldPhase {
 public:
  ClearTemplatesPhase(UpgradeWorld& world, std::string name) : WorldPhase(world, std::move(name)) {}

  void apply(UndoLog& undo) override {
    fs::path compiled = without_trailing_slash(world_.civicrm_settings().template_compile_dir);
    fs::path aside = aside_path(compiled, world_.run().id);
    struct stat info {};
    if (::lstat(compiled.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
      spdlog::info("{} does not exist: nothing to clear", compiled.string());
      return;
    }
    undo.record("compiled", compiled.string());
    undo.record("aside", aside.string());
    if (::rename(compiled.c_str(), aside.c_str()) != 0) {
      fail_errno(fmt::format("renaming {} to {}", compiled.string(), aside.string()));
    }
    if (::mkdir(compiled.c_str(), info.st_mode & 07777) != 0 && errno != EEXIST) {
      fail_errno(fmt::format("creating {}", compiled.string()));
    }
    if (::chmod(compiled.c_str(), info.st_mode & 07777) != 0 ||
        ::lchown(compiled.c_str(), info.st_uid, info.st_gid) != 0) {
      fail_errno(fmt::format("setting owner and mode of {}", compiled.string()));
    }
    fsync_parent(compiled);
  }

  void undo(const nlohmann::json& data) override {
    if (!data.contains("aside")) return;
    fs::path compiled = data["compiled"].get<std::string>();
    fs::path aside = data["aside"].get<std::string>();
    std::error_code error;
    if (!fs::exists(aside, error)) return;  // already put back
    fs::remove_all(compiled, error);
    if (error) fail("removing {}: {}", compiled.string(), error.message());
    if (::rename(aside.c_str(), compiled.c_str()) != 0) {
      fail_errno(fmt::format("renaming {} back to {}", aside.string(), compiled.string()));
    }
    fsync_parent(compiled);
  }

  // CIVICRM_TEMPLATE_COMPILEDIR is usually written with a trailing slash.
  static fs::path without_trailing_slash(const fs::path& path) {
    fs::path clean = path.lexically_normal();
    return clean.filename().empty() ? clean.parent_path() : clean;
  }

  static fs::path aside_path(const fs::path& compiled, const std::string& run_id) {
    fs::path clean = without_trailing_slash(compiled);
    return clean.parent_path() / (clean.filename().string() + ".civiup-" + run_id);
  }
};

}  // namespace

std::unique_ptr<Phase> clear_templates(UpgradeWorld& world, std::string name) {
  return std::make_unique<ClearTemplatesPhase>(world, std::move(name));
}

fs::path compiled_templates_aside(const fs::path& compiled, const std::string& run_id) {
  return ClearTemplatesPhase::aside_path(compiled, run_id);
}

}  // namespace civiup::phases
