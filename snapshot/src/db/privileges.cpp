#include "privileges.hpp"

#include <set>

#include "civiup/snapshot/error.hpp"

namespace civiup::snapshot::db {
namespace {

struct Grants {
  std::string user;  // CURRENT_USER(): user@host
  std::set<std::string> privileges;
  bool checkable = true;  // false with an active role: its grants are not in these views
};

// The current user's global and schema-level privileges.  Table-level grants
// are not considered (a user with TRIGGER on single tables only is refused).
Grants read_grants(Session& session, const std::string& database) {
  Grants grants;
  grants.user = session.query_value("SELECT CURRENT_USER()").value_or("");
  grants.checkable = !session.query_value("SELECT CURRENT_ROLE()").has_value();
  const std::string grantee =
      "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";
  for (const auto& row : session.query(
           "SELECT PRIVILEGE_TYPE FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = " + grantee +
           " UNION SELECT PRIVILEGE_TYPE FROM information_schema.SCHEMA_PRIVILEGES WHERE GRANTEE = " + grantee +
           " AND " + quote_string(database) + " LIKE TABLE_SCHEMA"))
    if (row[0]) grants.privileges.insert(*row[0]);
  return grants;
}

bool global_privilege(Session& session, const std::string& privilege) {
  const std::string grantee =
      "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";
  return !session.query("SELECT 1 FROM information_schema.USER_PRIVILEGES WHERE GRANTEE = " + grantee +
                        " AND PRIVILEGE_TYPE = " + quote_string(privilege)).empty();
}

void require(const Grants& grants, const std::string& privilege, const std::string& why) {
  if (grants.checkable && grants.privileges.count(privilege) == 0)
    fail("user {} lacks the {} privilege ({})", grants.user, privilege, why);
}

}  // namespace

void check_dump_privileges(Session& session, const std::string& database, bool needs_reload) {
  Grants grants = read_grants(session, database);
  require(grants, "SELECT", "needed to read the tables");
  require(grants, "SHOW VIEW", "needed to dump view definitions");
  require(grants, "TRIGGER", "needed to see and dump triggers");
  require(grants, "EVENT", "needed to see and dump events");
  if (needs_reload && grants.checkable && !global_privilege(session, "RELOAD"))
    fail("user {} lacks the RELOAD privilege (needed for BACKUP STAGE and FLUSH TABLES WITH READ LOCK; "
         "dump with one job and without DDL blocking to do without)", grants.user);
}

void check_restore_privileges(Session& session, const std::string& database, const std::vector<ProgramEntry>& programs) {
  Grants grants = read_grants(session, database);
  for (const char* privilege : {"CREATE", "DROP", "INSERT", "ALTER", "CREATE VIEW", "TRIGGER", "CREATE ROUTINE",
                                "ALTER ROUTINE", "EVENT"})
    require(grants, privilege, "needed to recreate the dumped objects");
  if (!grants.checkable) return;
  for (const auto& program : programs) {
    if (program.definer.empty() || program.definer == grants.user) continue;
    if (!global_privilege(session, "SUPER") && !global_privilege(session, "SET USER"))
      fail("user {} lacks the SUPER or SET USER privilege (needed to create {} `{}` with DEFINER {})", grants.user,
           program.kind, program.name, program.definer);
    return;
  }
}

}  // namespace civiup::snapshot::db
