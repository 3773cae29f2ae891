#pragma once
// What a dump and a restore of one database need from the user, read once and
// shared: the dump and the restore check it before they start, and a caller's
// own preflight (civiup check) reads the same report, so the two never disagree.
// See docs/database-snapshots.md "Privileges".
#include <set>
#include <string>
#include <vector>

#include "civiup/snapshot/db/database_login.hpp"

namespace civiup::snapshot::db {

// How a dump gets one consistent point for all its connections.
enum class ConsistencyMethod {
  // BACKUP STAGE BLOCK_DDL for the whole dump (MySQL 8: LOCK INSTANCE FOR
  // BACKUP) and FLUSH TABLES WITH READ LOCK while the snapshots open: needs
  // the global RELOAD (BACKUP_ADMIN) privilege.
  BackupStage,
  // One short LOCK TABLES ... READ of the database's base tables while the
  // snapshots open and the definitions are read: needs only LOCK TABLES on the
  // database.  DDL is not blocked during the dump (see "Privileges").
  LockTables,
};
const char* to_string(ConsistencyMethod method);

// An object the restore must create with a DEFINER other than the user.
struct ForeignDefiner {
  std::string kind;  // view, trigger, function, procedure, event
  std::string name;
  std::string definer;  // user@host
};

struct DatabasePrivileges {
  std::string user;       // CURRENT_USER(), user@host
  bool checkable = true;  // false with an active role: its grants are not in information_schema
  ConsistencyMethod dump_method = ConsistencyMethod::LockTables;
  // "TRIGGER (needed to see and dump triggers)", one per missing privilege.
  std::vector<std::string> dump_missing;
  std::vector<std::string> restore_missing;
  // Objects of the database whose DEFINER is another account, when the user
  // has neither SUPER nor SET USER: a restore would refuse them (empty when
  // the user has either).
  std::vector<ForeignDefiner> foreign_definers;
  bool can_set_definer = false;   // SUPER or SET USER
  std::set<std::string> granted;  // global and database privileges (information_schema's names)

  bool has(const std::string& privilege) const { return !checkable || granted.count(privilege) != 0; }

  bool ok() const { return dump_missing.empty() && restore_missing.empty() && foreign_definers.empty(); }
};

// Reads the user's privileges on `database` and the definers of its views,
// triggers, routines and events.  Changes nothing.  `database` need not exist
// (what a restore into a new database would need).
DatabasePrivileges read_privileges(const DatabaseLogin& login, const std::string& database);

}  // namespace civiup::snapshot::db
