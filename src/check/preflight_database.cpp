// Preflight on the database side: reachability, privileges, sizes, and the
// Backdrop state the upgrade will touch (integration modules, maintenance
// mode, front page).  Only SELECTs.
#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "civiup/backdrop/backdrop_admin.hpp"
#include "civiup/backdrop/backdrop_config.hpp"
#include "civiup/backdrop/backdrop_modules.hpp"
#include "civiup/base/error.hpp"
#include "civiup/site/database_privileges.hpp"
#include "preflight_checks.hpp"

namespace civiup::preflight_detail {

std::unique_ptr<DatabaseSession> check_database(PreflightReport& report, const std::string& role,
                                                const DatabaseDsn& dsn) {
  DatabaseReport& database = report.databases.emplace_back();
  database.role = role;
  database.roles = {role};
  database.dsn = dsn.redacted();
  database.name = dsn.database;
  database.host = dsn.socket.empty() || dsn.host != "localhost" ? dsn.host : dsn.socket;
  std::unique_ptr<DatabaseSession> session;
  bool ok = as_problem(
      report, [&] { with_context(fmt::format("{} database", role), [&] { session = connect_database(dsn); }); });
  if (!ok) return nullptr;
  database.reachable = true;
  as_problem(report, [&] {
    // The same check the dumps and restores make before they start (one function).
    DatabasePrivilegeCheck privileges = check_database_privileges(dsn, role + " database");
    database.dump_method = privileges.dump_method;
    if (!privileges.checkable) {
      report.notes.push_back(
          fmt::format("{} database {}: a role is active; its privileges were not checked", role, database.dsn));
      return;
    }
    database.missing_privileges = privileges.missing;
    database.privilege_problems = privileges.problems;
    for (const std::string& problem : privileges.problems) report.problems.push_back(problem);
    if (privileges.dump_method == "LOCK TABLES")
      report.notes.push_back(fmt::format(
          "{} database {}: user {} has no RELOAD privilege, so dumps take their consistent point with a short LOCK "
          "TABLES ... READ instead of BACKUP STAGE; DDL is not blocked during the online dump",
          role, database.dsn, privileges.user));
  });
  as_problem(report, [&] {
    auto bytes = session->query_scalar(
        "SELECT COALESCE(SUM(DATA_LENGTH + INDEX_LENGTH), 0) FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE()");
    database.bytes = std::stoull(bytes.value_or("0"));
  });
  return session;
}

void check_backdrop_state(PreflightReport& report, DatabaseSession* backdrop_db, const BackdropSettings& settings) {
  const std::filesystem::path modules = report.root / "modules";
  std::optional<ModuleScan> scan;
  as_problem(report, [&] { scan = scan_modules(modules); });
  if (scan) {
    if (auto duplicate = scan->duplicates.find("civicrm"); duplicate != scan->duplicates.end()) {
      for (const auto& info : duplicate->second) {
        if (info.lexically_normal() != (modules / "civicrm/backdrop/civicrm.info").lexically_normal()) {
          report.duplicate_civicrm.push_back(info);
          report.problems.push_back(fmt::format(
              "{}: a second copy of civicrm under modules/ competes with modules/civicrm (Backdrop scans modules/ "
              "recursively); move it out of modules/",
              info.string()));
        }
      }
    }
  }
  if (backdrop_db == nullptr) return;
  as_problem(report, [&] {
    with_context(fmt::format("reading Backdrop's state from {}", backdrop_db->description()), [&] {
      BackdropDatabase backdrop(*backdrop_db, settings.table_prefix);
      report.maintenance_mode = backdrop.maintenance_mode();
      if (scan) {
        auto order = dependents_in_enable_order(*scan, backdrop.enabled_modules());
        report.integration_modules.assign(order.rbegin(), order.rend());
      }
    });
  });
  if (report.maintenance_mode.value_or(false)) {
    report.notes.push_back("the site is in maintenance mode already; it stays so after the upgrade");
  }
}

void check_frontpage(PreflightReport& report, const BackdropSettings& settings, DatabaseSession* backdrop_db) {
  if (settings.frontpage_override && is_civicrm_path(*settings.frontpage_override)) {
    report.problems.push_back(fmt::format(
        "{}: $config['system.core']['site_frontpage'] is '{}', a CiviCRM page, and civiup does not edit settings "
        "files; point it elsewhere for the upgrade",
        settings.settings_file.string(), *settings.frontpage_override));
  }
  as_problem(report, [&] {
    if (settings.config_in_database && backdrop_db == nullptr) return;  // the unreachable database is the problem
    report.frontpage = ActiveConfig(settings, backdrop_db).frontpage();
    report.frontpage_is_civicrm = is_civicrm_path(*report.frontpage);
  });
}

}  // namespace civiup::preflight_detail
