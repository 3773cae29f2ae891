#pragma once
// Internal to preflight: the checks of the filesystem side (state directory,
// files directory, tools) and the databases, each adding to a PreflightReport.
#include <memory>
#include <optional>

#include "civiup/check/preflight.hpp"
#include "civiup/site/database_session.hpp"
#include "civiup/site/site.hpp"

namespace civiup::preflight_detail {

// Runs `body`; a civiup::Error (or any std::exception) becomes a problem.
template <typename Body>
bool as_problem(PreflightReport& report, Body&& body) {
  try {
    body();
    return true;
  } catch (const std::exception& e) {
    report.problems.emplace_back(e.what());
    return false;
  }
}

// Connects, checks privileges and measures one database; nullptr when unreachable.
std::unique_ptr<DatabaseSession> check_database(PreflightReport& report, const std::string& role,
                                                const DatabaseDsn& dsn);

// Integration modules, maintenance mode, a second civicrm under modules/.
void check_backdrop_state(PreflightReport& report, DatabaseSession* backdrop_db, const BackdropSettings& settings);

// `backdrop_db` (may be null) is read when the active config is in the database.
void check_frontpage(PreflightReport& report, const BackdropSettings& settings, DatabaseSession* backdrop_db);
void check_state_dir(PreflightReport& report, const PreflightOptions& options);
void check_files_dir(PreflightReport& report, const std::optional<BackdropSettings>& backdrop,
                     const std::optional<CiviCrmSettings>& civicrm, DatabaseSession* backdrop_db);
void check_tools(PreflightReport& report, const PreflightOptions& options);

// The extensions directory (in the code snapshot or not), the enabled
// extensions, and what the release's extension-compatibility.json (its text,
// when shipped) makes the upgrade do to them.
void check_extensions(PreflightReport& report, const BackdropSettings& backdrop, const CiviCrmSettings& civicrm,
                      const std::optional<std::string>& compatibility);

}  // namespace civiup::preflight_detail
