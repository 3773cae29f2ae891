#pragma once
// DatabaseDump: a consistent, complete, streamed dump of one database into a
// directory of zstd-compressed SQL files and a manifest committed last.
// See docs/database-snapshots.md for the format and the consistency method.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "civiup/base/progress.hpp"
#include "civiup/snapshot/db/database_login.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"

namespace civiup::snapshot::db {

// How the dump's connections get one consistent point (docs/database-snapshots.md "Consistency").
enum class DumpConsistency {
  Automatic,    // BackupStage when the user has RELOAD, else LockTables (read_privileges decides)
  BackupStage,  // BACKUP STAGE BLOCK_DDL for the dump, FLUSH TABLES WITH READ LOCK a moment: needs RELOAD
  LockTables,   // LOCK TABLES ... READ of the base tables a moment; DDL afterwards is detected, the dump retried
  None,         // no lock (one job only): a concurrent DDL could make definitions and rows disagree
};

struct DumpOptions {
  int jobs = 2;  // worker connections sharing one consistent snapshot
  int zstd_level = 1;
  uint64_t statement_bytes = 1u << 20;  // INSERTs are cut near this size (and under max_allowed_packet)
  uint64_t chunk_bytes = 32u << 20;     // tables larger than this are dumped in key ranges in parallel
  DumpConsistency consistency = DumpConsistency::Automatic;
  // LOCK TABLES: how long one attempt may wait for a table held by another
  // session's transaction (the site's writes queue behind the waiting lock
  // meanwhile), and how many attempts are made.
  int lock_wait_seconds = 3;
  int lock_attempts = 3;
  // Without BACKUP STAGE a DDL statement can change a table after the point and
  // before its rows are read; the server then refuses the read ("Table
  // definition has changed") and the whole dump starts again from a new point,
  // at most this many times.
  int ddl_restarts = 3;
  bool checksums = true;  // record each table's row digest (computed while dumping)
  // Tables of at least this much data (information_schema DATA_LENGTH) with a
  // single-column integer primary key also get row-range checksums next to
  // their data files (kind "row-ranges"), for the selective restore's repair in place.
  uint64_t row_ranges_min_bytes = 1u << 20;
  // Rows of tables whose every column allows it (integers, DECIMAL, dates,
  // strings) are read with the binary protocol: the same SQL text, about 15 %
  // less server time.  false: every table as text (tests compare the two).
  bool binary_protocol = true;
  // begin("dumping <db>", tables, "tables"), advance(tables done, SQL bytes) per
  // finished data file, end().  A throw from it fails the dump (no manifest).
  // Null: no_progress().
  Progress* progress = nullptr;
  // Delta dump: a committed dump of the same database on the same server (the
  // online pre-snapshot).  Tables unchanged since its consistent point are taken
  // from it by hard link instead of being dumped again; the result is a complete
  // dump that restores exactly like a full one.  Empty: a full dump.
  std::filesystem::path base;
  // Delta: a table whose InnoDB UPDATE_TIME is before the base's consistent point
  // is unchanged without a checksum.  false: checksum every candidate (the path
  // a restarted server takes; tests use it).
  bool trust_update_time = true;
};

// Dumps `database` into `dir` (created; must be empty or absent).  Returns the
// committed manifest.  Any failure throws a civiup::Error naming the object and
// the cause; the directory then has no manifest and is not usable.
DumpManifest dump_database(const DatabaseLogin& login, const std::string& database, const std::filesystem::path& dir,
                           const DumpOptions& options = {});

// One database of dump_databases.
struct DumpTarget {
  DatabaseLogin login;
  std::string database;
  std::filesystem::path dir;   // must be empty or absent
  std::filesystem::path base;  // a delta's base dump, or empty (options.base is not used)
};

// Dumps several databases (of one server, e.g. an application's two) at ONE
// consistent point: every worker of every database opens its snapshot under
// the same lock.  The dumps themselves run one after another.  Returns the
// manifests in the targets' order.
std::vector<DumpManifest> dump_databases(const std::vector<DumpTarget>& targets, const DumpOptions& options = {});

}  // namespace civiup::snapshot::db
