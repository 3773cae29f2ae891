#include "civiup/site/site_snapshot.hpp"

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
  spec.exclude = {"files/civicrm/templates_c", "files/civicrm/custom", "files/civicrm/upload",
                  "files/civicrm/persist", "files/civicrm/ConfigAndLog"};
  if (std::string compiled = inside(root, civicrm.template_compile_dir); !compiled.empty()) {
    spec.exclude.push_back(compiled);
  }
  return spec;
}

}  // namespace civiup
