// One check of a site database's privileges for check, upgrade's preflight and
// rehearse.  The dumps (pre-snapshot-databases, snapshot-databases, snapshot,
// rehearse) and the restores (rollback, restore) run the snapshot library's
// checks themselves; this reads the same report (snapshot::db::read_privileges).
#include "civiup/site/database_privileges.hpp"
#include "civiup/site/database_session.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "civiup/snapshot/db/privileges.hpp"

namespace civiup {
namespace {

// What the database upgrade itself needs beyond a dump and a restore: DML, DDL
// for CiviCRM's schema changes (CREATE TEMPORARY TABLES and EXECUTE it uses too).
constexpr const char* kUpgradePrivileges[] = {"SELECT",         "INSERT",        "UPDATE",
                                              "DELETE",         "CREATE",        "DROP",
                                              "ALTER",          "INDEX",         "CREATE TEMPORARY TABLES",
                                              "CREATE VIEW",    "SHOW VIEW",     "TRIGGER",
                                              "CREATE ROUTINE", "ALTER ROUTINE", "EXECUTE",
                                              "EVENT"};

// "'user'@'host'" for a GRANT, from "user@host".
std::string account(const std::string& user) {
  auto at = user.rfind('@');
  if (at == std::string::npos) return fmt::format("'{}'", user);
  return fmt::format("'{}'@'{}'", user.substr(0, at), user.substr(at + 1));
}

std::string privilege_name(const std::string& entry) { return entry.substr(0, entry.find(" (")); }

void add_unique(std::vector<std::string>& list, const std::string& item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string objects_text(const std::vector<snapshot::db::ForeignDefiner>& objects) {
  std::string out;
  const size_t shown = std::min<size_t>(objects.size(), 6);
  for (size_t i = 0; i < shown; ++i)
    out += fmt::format("{}{} `{}` (DEFINER {})", i ? ", " : "", objects[i].kind, objects[i].name, objects[i].definer);
  if (objects.size() > shown) out += fmt::format(" and {} more", objects.size() - shown);
  return out;
}

}  // namespace

DatabasePrivilegeCheck check_database_privileges(const DatabaseDsn& dsn, const std::string& role) {
  snapshot::db::DatabasePrivileges library = snapshot::db::read_privileges(database_login(dsn), dsn.database);
  DatabasePrivilegeCheck check;
  check.user = library.user;
  check.checkable = library.checkable;
  check.dump_method = snapshot::db::to_string(library.dump_method);
  if (!library.checkable) return check;
  const std::string where = fmt::format("{} {}", role, dsn.redacted());
  const std::string grant_all = fmt::format("GRANT ALL ON `{}`.* TO {}", dsn.database, account(check.user));

  // Privileges on the database: what the dumps, restores and upgrader lack, one line.
  std::vector<std::string> reasons;
  for (const std::string& entry : library.dump_missing) {
    add_unique(check.missing, privilege_name(entry));
    add_unique(reasons, "to snapshot it");
  }
  for (const std::string& entry : library.restore_missing) {
    add_unique(check.missing, privilege_name(entry));
    add_unique(reasons, "to restore it on a rollback");
  }
  // The upgrader's needs are read from the library's answer too: a privilege it
  // reports missing is missing; the rest of the upgrader's list is checked here.
  for (const char* privilege : kUpgradePrivileges) {
    bool in_library_lists = false;
    for (const auto* list : {&library.dump_missing, &library.restore_missing})
      for (const std::string& entry : *list) in_library_lists |= privilege_name(entry) == privilege;
    if (!in_library_lists && !library.has(privilege)) {
      add_unique(check.missing, privilege);
      add_unique(reasons, "to upgrade it");
    }
  }
  // In GRANT's usual order, whichever step found them missing.
  auto rank = [](const std::string& privilege) {
    static const std::vector<std::string> order = {"SELECT",      "INSERT",         "UPDATE",
                                                   "DELETE",      "CREATE",         "DROP",
                                                   "ALTER",       "INDEX",          "CREATE TEMPORARY TABLES",
                                                   "LOCK TABLES", "CREATE VIEW",    "SHOW VIEW",
                                                   "TRIGGER",     "CREATE ROUTINE", "ALTER ROUTINE",
                                                   "EXECUTE",     "EVENT"};
    return std::find(order.begin(), order.end(), privilege) - order.begin();
  };
  std::stable_sort(check.missing.begin(), check.missing.end(),
                   [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
  if (!check.missing.empty())
    check.problems.push_back(fmt::format("{}: user {} lacks {} (needed {}); fix: {}", where, check.user,
                                         joined(check.missing), joined(reasons), grant_all));

  // Objects another account defined: a rollback must recreate them with that
  // DEFINER, which needs SUPER or SET USER (their bodies may also be hidden from the dump).
  if (!library.foreign_definers.empty())
    check.problems.push_back(fmt::format(
        "{}: {} belong to another account, and user {} has neither SET USER nor SUPER, so a rollback could not "
        "recreate them; fix: GRANT SET USER ON *.* TO {} (MariaDB 10.5.2+; SUPER before, SET_USER_ID on MySQL 8), "
        "or recreate them as {} (DEFINER = CURRENT_USER; CiviCRM rebuilds its triggers as the connecting user at "
        "civicrm/menu/rebuild?reset=1&triggerRebuild=1)",
        where, objects_text(library.foreign_definers), check.user, account(check.user), check.user));
  return check;
}

}  // namespace civiup
