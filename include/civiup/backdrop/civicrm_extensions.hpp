#pragma once
// CiviCRM extensions: where the site keeps them (the extensionsDir setting),
// which are enabled (civicrm_extension), and what the new release's
// extension-compatibility.json makes CiviCRM's own upgrade do to them
// (CRM_Upgrade_Form::disableOldExtensions: disable, uninstall, or
// force-uninstall: is_active = 0 without the extension's uninstall code).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "civiup/site/database_session.hpp"
#include "civiup/site/site.hpp"

namespace civiup {

// One entry of extension-compatibility.json: {"obsolete": "5.69", "disable":
// true, "uninstall": true, "force-uninstall": true, "replacement": "key"}.
struct ExtensionCompatibility {
  std::string obsolete;  // the release since which it is obsolete ("" when not given)
  bool disable = false;
  bool uninstall = false;
  bool force_uninstall = false;
  std::string replacement;  // an extension CiviCRM installs instead
};

// Parses the file's JSON object; throws "<what>: <cause>" on anything else.
std::map<std::string, ExtensionCompatibility> parse_extension_compatibility(std::string_view json,
                                                                            std::string_view what);

// What disableOldExtensions does to an enabled extension listed with `entry`:
// "disable", "disable, uninstall", "force-uninstall", or "none" (listed as
// obsolete, but the entry asks for nothing: CiviCRM only refuses to enable it).
std::string upgrade_action(const ExtensionCompatibility& entry);

// The extensions directory: its setting's raw value, where that value came
// from, and the absolute path it resolves to (Civi\Core\Paths::getPath:
// "[civicrm.files]/ext/" and other "[variable]/rest" forms, a relative path
// under [civicrm.files], or an absolute path).
struct ExtensionsDir {
  std::string setting;  // e.g. "[civicrm.files]/ext/"
  std::string source;   // "default", "civicrm_setting table", "$civicrm_setting in civicrm.settings.php"
  std::filesystem::path path;
};

// [civicrm.files] on Backdrop: <public files>/civicrm, unless
// $civicrm_paths['civicrm.files']['path'] says otherwise.
std::filesystem::path civicrm_files_dir(const std::filesystem::path& root, const BackdropSettings& backdrop,
                                        const CiviCrmSettings& civicrm);

// Mandatory value in civicrm.settings.php, else the civicrm_setting row of
// domain 1 (`civicrm_db` may be null: then the database is not asked), else
// CiviCRM's default.  Throws on a "[variable]" civiup does not know.
ExtensionsDir find_extensions_dir(const std::filesystem::path& root, const BackdropSettings& backdrop,
                                  const CiviCrmSettings& civicrm, DatabaseSession* civicrm_db);

struct SiteExtension {
  std::string key;                            // civicrm_extension.full_name
  std::optional<std::filesystem::path> path;  // its directory (info.xml with this key); nullopt: not found
  std::string location;                       // "extensions-dir", "release" (bundled in civicrm/ext), "missing"
  std::string upgrade_action = "none";        // what this upgrade does to it (upgrade_action())
  std::string obsolete;                       // "obsolete since" from the compatibility file
};

// The enabled extensions (is_active = 1), sorted by key, with their
// directories found by the info.xml files under `extensions_dir` and
// `civicrm_dir`/ext, and the upgrade's action from `compatibility`.
std::vector<SiteExtension> enabled_extensions(DatabaseSession& civicrm_db, const std::filesystem::path& extensions_dir,
                                              const std::filesystem::path& civicrm_dir,
                                              const std::map<std::string, ExtensionCompatibility>& compatibility);

// A PHP-serialized string ('s:5:"hello";'), as civicrm_setting.value holds
// it; nullopt for anything else.
std::optional<std::string> php_unserialize_string(std::string_view text);

}  // namespace civiup
