// Preflight of the site's CiviCRM extensions: where they are, which are on,
// and which the new release's extension-compatibility.json has CiviCRM
// disable or uninstall during the upgrade (reported, not refused: that is
// CiviCRM's own decision, and the snapshot keeps the way back).
#include <fmt/format.h>

#include "civiup/backdrop/civicrm_extensions.hpp"
#include "civiup/site/site_snapshot.hpp"
#include "preflight_checks.hpp"

namespace civiup::preflight_detail {
namespace fs = std::filesystem;

namespace {

std::string action_phrase(const std::string& action) {
  if (action == "disable, uninstall") return "disable and uninstall";
  if (action == "force-uninstall") return "force-uninstall (is_active = 0, without its uninstall code)";
  return action;
}

}  // namespace

void check_extensions(PreflightReport& report, const BackdropSettings& backdrop, const CiviCrmSettings& civicrm,
                      const std::optional<std::string>& compatibility_text) {
  std::map<std::string, ExtensionCompatibility> compatibility;
  report.release_has_compatibility = compatibility_text.has_value();
  if (compatibility_text) {
    try {
      compatibility = parse_extension_compatibility(*compatibility_text, "the release's extension-compatibility.json");
    } catch (const std::exception& e) {
      report.notes.push_back(fmt::format("{} (CiviCRM's upgrade reads it too)", e.what()));
    }
  }
  std::unique_ptr<DatabaseSession> session;
  try {
    session = connect_database(civicrm.dsn);
  } catch (const std::exception&) {
    return;  // the database check reports it
  }
  ExtensionsDir dir;
  try {
    dir = find_extensions_dir(report.root, backdrop, civicrm, session.get());
  } catch (const std::exception& e) {
    report.notes.push_back(
        fmt::format("{}: extensions not listed, and not in the code snapshots unless under "
                    "files/civicrm",
                    e.what()));
    return;
  }
  report.extensions_dir = dir.path;
  report.extensions_dir_setting = dir.setting;
  report.extensions_dir_source = dir.source;
  report.extensions_dir_in_snapshot = !extensions_snapshot_path(report.root, dir.path).empty();
  if (!report.extensions_dir_in_snapshot) {
    report.notes.push_back(
        fmt::format("extensions directory {} is outside the Backdrop root: it is not in the code snapshots (back it up "
                    "yourself; the upgrade does not change it)",
                    dir.path.string()));
  }
  for (SiteExtension& extension :
       enabled_extensions(*session, dir.path, report.root / "modules" / "civicrm", compatibility)) {
    if (extension.location == "missing") {
      report.notes.push_back(fmt::format("extension {} is enabled but its directory was not found under {} or {}",
                                         extension.key, dir.path.string(),
                                         (report.root / "modules" / "civicrm" / "ext").string()));
    }
    if (extension.upgrade_action != "none") {
      report.notes.push_back(
          fmt::format("extension {}: this upgrade will {} it (the release's "
                      "extension-compatibility.json: obsolete since {})",
                      extension.key, action_phrase(extension.upgrade_action),
                      extension.obsolete.empty() ? "?" : extension.obsolete));
    }
    report.extensions.push_back({extension.key, extension.path ? extension.path->string() : "", extension.location,
                                 extension.upgrade_action, extension.obsolete});
  }
}

}  // namespace civiup::preflight_detail
