#include "privileges.hpp"

#include <set>

#include "civiup/base/error.hpp"

namespace civiup::snapshot::db {
namespace {

const std::string kGrantee =
    "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";

struct Grants {
  std::string user;  // CURRENT_USER(): user@host
  std::set<std::string> global;
  std::set<std::string> privileges;  // global and on the database
  bool checkable = true;             // false with an active role: its grants are not in these views

  bool has(const std::string& privilege) const { return !checkable || privileges.count(privilege) != 0; }
  bool has_global(const std::string& privilege) const { return checkable && global.count(privilege) != 0; }
};

// The current user's global and schema-level privileges.  Table-level grants
// are not considered (a user with TRIGGER on single tables only is refused).
Grants read_grants(Session& session, const std::string& database) {
  Grants grants;
  grants.user = session.query_value("SELECT CURRENT_USER()").value_or("");
  grants.checkable = !session.query_value("SELECT CURRENT_ROLE()").has_value();
  for (const auto& row :
       session.query("SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = " + kGrantee))
    if (row[0]) grants.global.insert(*row[0]);
  grants.privileges = grants.global;
  for (const auto& row :
       session.query("SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = " + kGrantee +
                     " AND " + quote_string(database) + " LIKE TABLE_SCHEMA"))
    if (row[0]) grants.privileges.insert(*row[0]);
  return grants;
}

bool can_set_definer(const Grants& grants) { return grants.has_global("SUPER") || grants.has_global("SET USER"); }

// "P (needed to ...)" for each privilege of `needed` the user lacks.
void add_missing(const Grants& grants, std::initializer_list<const char*> needed, const std::string& why,
                 std::vector<std::string>& missing) {
  for (const char* privilege : needed)
    if (!grants.has(privilege)) missing.push_back(fmt::format("{} ({})", privilege, why));
}

// Everything a dump by `method` needs, in the order it is reported.
std::vector<std::string> dump_missing(const Grants& grants, DumpConsistency method) {
  std::vector<std::string> missing;
  add_missing(grants, {"SELECT"}, "needed to read the tables", missing);
  add_missing(grants, {"SHOW VIEW"}, "needed to dump view definitions", missing);
  add_missing(grants, {"TRIGGER"}, "needed to see and dump triggers", missing);
  add_missing(grants, {"EVENT"}, "needed to see and dump events", missing);
  if (method == DumpConsistency::BackupStage && grants.checkable && !grants.has_global("RELOAD"))
    missing.emplace_back("RELOAD (needed for BACKUP STAGE and FLUSH TABLES WITH READ LOCK)");
  if (method == DumpConsistency::LockTables)
    add_missing(grants, {"LOCK TABLES"}, "needed for the consistent point without RELOAD", missing);
  return missing;
}

std::vector<std::string> restore_missing(const Grants& grants) {
  std::vector<std::string> missing;
  add_missing(
      grants,
      {"CREATE", "DROP", "INSERT", "ALTER", "CREATE VIEW", "TRIGGER", "CREATE ROUTINE", "ALTER ROUTINE", "EVENT"},
      "needed to recreate the dumped objects", missing);
  return missing;
}

}  // namespace

const char* to_string(ConsistencyMethod method) {
  return method == ConsistencyMethod::BackupStage ? "BACKUP STAGE" : "LOCK TABLES";
}

DatabasePrivileges read_privileges(Session& session, const std::string& database) {
  Grants grants = read_grants(session, database);
  DatabasePrivileges result;
  result.user = grants.user;
  result.checkable = grants.checkable;
  result.granted = grants.privileges;
  // RELOAD decides: the server-wide DDL block is the stronger method.  With an
  // active role the grants are unknown, and LOCK TABLES needs the least.
  result.dump_method = grants.has_global("RELOAD") ? ConsistencyMethod::BackupStage : ConsistencyMethod::LockTables;
  result.dump_missing =
      dump_missing(grants, result.dump_method == ConsistencyMethod::BackupStage ? DumpConsistency::BackupStage
                                                                                : DumpConsistency::LockTables);
  result.restore_missing = restore_missing(grants);
  result.can_set_definer = can_set_definer(grants);
  if (!grants.checkable || result.can_set_definer) return result;
  const std::string schema = quote_string(database);
  const std::string others = " AND DEFINER <> CURRENT_USER()";
  for (const auto& row : session.query(
           "SELECT 'view', TABLE_NAME, DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = " + schema + others +
           " UNION ALL SELECT 'trigger', TRIGGER_NAME, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA "
           "= " +
           schema + others +
           " UNION ALL SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME, DEFINER FROM information_schema.ROUTINES "
           "WHERE ROUTINE_SCHEMA = " +
           schema + others +
           " UNION ALL SELECT 'event', EVENT_NAME, DEFINER FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " +
           schema + others + " ORDER BY 1, 2"))
    result.foreign_definers.push_back({row[0].value_or(""), row[1].value_or(""), row[2].value_or("")});
  return result;
}

DatabasePrivileges read_privileges(const DatabaseLogin& login, const std::string& database) {
  return with_context(fmt::format("reading the privileges on database `{}`", database), [&] {
    Session session(login, "");  // no default database: it need not exist yet (a copy's new database)
    return read_privileges(session, database);
  });
}

void check_dump_privileges(Session& session, const std::string& database, DumpConsistency method) {
  Grants grants = read_grants(session, database);
  std::vector<std::string> missing = dump_missing(grants, method);
  if (missing.empty()) return;
  auto paren = missing.front().find(" (");
  fail("user {} lacks the {} privilege{}", grants.user, missing.front().substr(0, paren),
       missing.front().substr(paren));
}

void check_restore_privileges(Session& session, const std::string& database,
                              const std::vector<ProgramEntry>& programs) {
  Grants grants = read_grants(session, database);
  std::vector<std::string> missing = restore_missing(grants);
  if (!missing.empty()) {
    auto paren = missing.front().find(" (");
    fail("user {} lacks the {} privilege{}", grants.user, missing.front().substr(0, paren),
         missing.front().substr(paren));
  }
  if (!grants.checkable || can_set_definer(grants)) return;
  for (const auto& program : programs) {
    if (program.definer.empty() || program.definer == grants.user) continue;
    fail("user {} lacks the SUPER or SET USER privilege (needed to create {} `{}` with DEFINER {})", grants.user,
         program.kind, program.name, program.definer);
  }
}

}  // namespace civiup::snapshot::db
