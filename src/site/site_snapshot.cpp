#include "civiup/site/site_snapshot.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

namespace civiup {
namespace fs = std::filesystem;

namespace {

// `path` relative to `root` when it lies inside it, else empty.
std::string inside(const fs::path& root, const fs::path& path) {
  fs::path relative = path.lexically_normal().lexically_relative(root.lexically_normal());
  if (relative.empty() || *relative.begin() == "..") return {};
  return relative.generic_string();
}

}  // namespace

std::string extensions_snapshot_path(const fs::path& root, const fs::path& extensions_dir) {
  if (extensions_dir.empty()) return {};
  return inside(root, extensions_dir);
}

snapshot::CodeSnapshotSpec site_code_snapshot_spec(const fs::path& root, const BackdropSettings& backdrop,
                                                   const CiviCrmSettings& civicrm, const fs::path& extensions_dir) {
  snapshot::CodeSnapshotSpec spec;
  spec.root = root;
  std::vector<std::string> candidates = {"modules/civicrm", "settings.php", "settings.local.php",
                                         "civicrm.settings.php", "files/civicrm"};
  // The active config directory, when the config lives there (Backdrop 1.28+
  // may keep it in the database instead, dumped with the Backdrop database).
  if (std::string config = inside(root, backdrop.config_dir); !backdrop.config_dir.empty() && !config.empty()) {
    candidates.push_back(config);
  }
  // The extensions: under files/civicrm by default; a directory elsewhere in
  // the root is a path of its own (unless a candidate already holds it).
  if (std::string extensions = extensions_snapshot_path(root, extensions_dir); !extensions.empty()) {
    bool covered = false;
    for (const std::string& path : candidates) {
      covered = covered || extensions == path || extensions.starts_with(path + "/");
    }
    if (!covered) candidates.push_back(extensions);
  }
  for (const std::string& path : candidates) {
    std::error_code error;
    if (fs::exists(fs::symlink_status(root / path, error))) spec.paths.push_back(path);
  }
  // Compiled templates are rebuilt on demand; uploads and logs are user data
  // that an upgrade never touches and a rollback must never take back.
  spec.exclude = {"files/civicrm/templates_c", "files/civicrm/custom", "files/civicrm/upload", "files/civicrm/persist",
                  "files/civicrm/ConfigAndLog"};
  if (std::string compiled = inside(root, civicrm.template_compile_dir); !compiled.empty()) {
    spec.exclude.push_back(compiled);
  }
  return spec;
}

namespace {

// The device of `path`, or of its nearest existing ancestor.
dev_t device_of(fs::path path) {
  struct stat info {};
  while (::stat(path.c_str(), &info) != 0 && path.has_relative_path()) path = path.parent_path();
  return info.st_dev;
}

}  // namespace

std::optional<std::string> unrestorable_path(const fs::path& root, const std::vector<std::string>& paths,
                                             const fs::path& state_dir) {
  const dev_t state = device_of(fs::absolute(state_dir));
  for (const std::string& path : paths) {
    if (path == "modules/civicrm") continue;
    // Where it is, or (gone since) the directory it would be renamed into.
    struct stat info {};
    fs::path live = root / path;
    dev_t where = ::lstat(live.c_str(), &info) == 0 ? info.st_dev : device_of(live.parent_path());
    if (where != state) {
      return fmt::format(
          "{}: on another filesystem than the state directory {} (a restore exchanges it with the "
          "snapshot's copy by rename, which cannot cross filesystems)",
          live.string(), state_dir.string());
    }
  }
  return std::nullopt;
}

}  // namespace civiup
