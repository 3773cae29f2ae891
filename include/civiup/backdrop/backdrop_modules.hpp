#pragma once
// Backdrop modules on disk: their .info files, and which enabled modules are
// CiviCRM integrations (they depend on civicrm, directly or transitively).
// The manual procedure disables those — never civicrm itself — before the
// code swap and re-enables them after the DB upgrade (DESIGN.md §2).
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace civiup {

struct ModuleInfo {
  std::string name;  // machine name: the .info file's basename
  std::filesystem::path info_file;
  std::string type;                       // "module", "theme", "layout" ... ("" = module)
  std::vector<std::string> dependencies;  // machine names, version constraints dropped
};

// Parses one .info file ("key = value", "dependencies[] = name (>=1.0)",
// comments with ';', quoted values).  Throws naming the file on I/O errors.
ModuleInfo read_module_info(const std::filesystem::path& info_file);

// Every .info under `modules_dir`, recursively, as Backdrop's discovery scans
// it.  A name found twice is recorded in `duplicates` (a second civicrm copy
// competes with the real one).
struct ModuleScan {
  std::map<std::string, ModuleInfo> modules;
  std::map<std::string, std::vector<std::filesystem::path>> duplicates;
};
ModuleScan scan_modules(const std::filesystem::path& modules_dir);

// The enabled modules that depend on `root_module` directly or through other
// modules, `root_module` excluded, ordered so that each module comes after
// everything it depends on (the order to enable them; reverse it to disable).
std::vector<std::string> dependents_in_enable_order(const ModuleScan& scan, const std::set<std::string>& enabled,
                                                    const std::string& root_module = "civicrm");

}  // namespace civiup
