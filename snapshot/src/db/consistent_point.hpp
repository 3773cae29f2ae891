#pragma once
// One consistent point for every connection of one or several database dumps
// (e.g. a site's two databases): every worker's REPEATABLE READ snapshot is
// opened while no commit can happen in any of the databases, and the
// definitions are read while no DDL can happen.  See docs/database-snapshots.md
// "Consistency".
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "civiup/snapshot/db/database_dump.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {

struct PointTarget {
  DatabaseLogin login;
  std::string database;
};

struct ConsistentPoint {
  // BACKUP STAGE BLOCK_DDL (or LOCK INSTANCE FOR BACKUP), one per server, held
  // until release() so no DDL runs during the dumps.  Empty with LOCK TABLES.
  std::vector<std::unique_ptr<Session>> ddl_guards;
  std::vector<std::vector<std::unique_ptr<Session>>> workers;  // per target, in its snapshot
  int64_t snapshot_epoch = 0;                                  // UNIX time, read before the snapshots opened
  DumpConsistency method = DumpConsistency::None;
  std::string description;    // for the manifest: how the point was obtained
  double locked_seconds = 0;  // how long commits were blocked (FTWRL or LOCK TABLES)
  bool mariadb = true;

  void release();  // ends the DDL block
};

// Opens `jobs` workers per target at one point, by `method` (not Automatic).
// `while_ddl_blocked` runs once while no DDL can change the targets' tables:
// under the LOCK TABLES (before it is released) or, with BACKUP STAGE, after
// the snapshots opened.  Throws on failure with every lock released.
ConsistentPoint take_consistent_point(const std::vector<PointTarget>& targets, const DumpOptions& options,
                                      DumpConsistency method, bool mariadb,
                                      const std::function<void()>& while_ddl_blocked);

}  // namespace civiup::snapshot::db
