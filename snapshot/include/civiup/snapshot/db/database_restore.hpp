#pragma once
// Restoring a dump: in full (drop what the dump replaces, load in parallel,
// verify every checksum), or selectively (only what differs from the live database).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "civiup/base/progress.hpp"
#include "civiup/snapshot/db/database_login.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"

namespace civiup::snapshot::db {

// When a selective restore brings a table's rows back in place (row_sync.hpp)
// rather than reloading it.
struct RowSyncLimits {
  // Dumps without row ranges (before civiup-db-dump/2, or tables under
  // DumpOptions::row_ranges_min_bytes): the dump's row hashes are held in
  // memory, 9 bytes a row, up to this many rows; more rows to delete + insert
  // than `max_changed_fraction` of the dump's: reload.
  uint64_t max_rows = 2'000'000;
  // Dumps with row ranges: rows in ranges that differ over this share of the
  // table: reload (most of it changed).
  double max_changed_fraction = 0.5;
  double max_changed_fraction_without_ranges = 0.1;
  // With row ranges, memory: at most this many rows of differing ranges are
  // compared one by one (24 bytes each), at most this many bytes of dumped
  // tuples held for insertion; beyond, the table is reloaded.
  uint64_t max_compared_rows = 1'000'000;
  uint64_t max_insert_bytes = 24u << 20;
};

struct RestoreOptions {
  int jobs = 2;  // loader connections
  // Secondary keys and foreign keys are added after a table's rows (one sorted
  // build); false: tables are created with them, as the stock client does.
  bool defer_indexes = true;
  bool verify = true;  // row digest and definition of restored tables against the manifest
  // Selective restore: a table whose InnoDB UPDATE_TIME is older than the dump's
  // consistent point on the same, not restarted server is unchanged without a
  // checksum.  false: checksum every table.
  bool trust_update_time = true;
  // Selective restore: a changed table of at least `repair_min_bytes` of dumped
  // SQL is brought back in place when it can be: columns, keys and foreign keys
  // the live table added are dropped (an ALTER TABLE that never copies the
  // table; instant in MariaDB), then the rows that differ from the dump's are
  // deleted and inserted if they are at most `row_sync.max_changed_fraction`
  // of them.  Otherwise, or false here, it is reloaded.  Verified either way.
  bool repair_in_place = true;
  uint64_t repair_min_bytes = 1 << 20;
  RowSyncLimits row_sync;
  // Selective restore: a plan written by plan_restore (online, before the
  // maintenance window).  Tables not written since the plan began (InnoDB
  // UPDATE_TIME in an earlier second, the same definition, the same server
  // not restarted) take its decision without being read again; a planned
  // repair applies its recorded rows.  The others are compared as without a
  // plan.  Empty, or no usable plan there: no plan.
  std::filesystem::path plan_dir;
  // begin("restoring <db>", tables to reload, "tables"), advance(tables done,
  // SQL bytes) as data files load, end().  A throw from it fails the restore.
  // Null: no_progress().
  Progress* progress = nullptr;
};

struct RestoreReport {
  std::vector<std::string> restored_tables;   // dropped (if present) and reloaded
  std::vector<std::string> unchanged_tables;  // selective: left as they were
  // Selective: brought back in place (additions dropped, differing rows
  // deleted and inserted), not reloaded.
  std::vector<std::string> repaired_tables;
  uint64_t repaired_rows = 0;                  // rows deleted + inserted in them
  std::vector<std::string> repair_statements;  // each ALTER TABLE that ran to drop additions
  uint64_t compared_ranges = 0;                // row ranges (row_ranges.hpp) compared with the live tables'
  uint64_t differing_ranges = 0;               // of those, ranges read row by row
  // Tables decided by the plan (RestoreOptions::plan_dir), not read again;
  // replanned: in the plan but written since (or changed), compared again.
  std::vector<std::string> planned_tables;
  std::vector<std::string> replanned_tables;
  std::vector<std::string> dropped_objects;  // "table x", "view v", "trigger t", ...
  std::vector<std::string> checksummed_tables;
  bool created_database = false;
  uint64_t sql_bytes = 0;  // SQL loaded
  double seconds = 0;
};

// "5 tables reloaded, 1 repaired in place (5320 rows), 42 unchanged, 14 objects dropped, in 0.7 s"
std::string summary(const RestoreReport& report);

// Full restore of the dump in `dir` into `database` (created if missing).
RestoreReport restore_database(const DatabaseLogin& login, const std::string& database,
                               const std::filesystem::path& dir, const RestoreOptions& options = {});

// Selective restore: reload tables whose definition or checksum differs, drop
// tables/views/triggers/routines/events the dump does not have, recreate the
// dump's views/triggers/routines/events.  Ends by verifying what it reloaded.
RestoreReport restore_changed(const DatabaseLogin& login, const std::string& database, const std::filesystem::path& dir,
                              const RestoreOptions& options = {});

// What plan_restore decided, per table.
struct RestorePlanReport {
  std::vector<std::string> unchanged_tables;
  std::vector<std::string> reload_tables;
  std::vector<std::string> repair_tables;  // with their rows to delete and insert recorded
  uint64_t repair_rows = 0;
  uint64_t compared_ranges = 0;
  uint64_t differing_ranges = 0;
  bool written = false;  // false: the database does not exist (nothing to plan)
  double seconds = 0;
};

// The first half of a selective restore, read only, meant to run while the
// database is still in use: which tables are unchanged, which must be
// reloaded, and for the tables to repair in place the rows to delete and
// insert, written to `plan_dir` (replaced).  restore_changed with
// RestoreOptions::plan_dir = `plan_dir` applies it.
RestorePlanReport plan_restore(const DatabaseLogin& login, const std::string& database,
                               const std::filesystem::path& dir, const std::filesystem::path& plan_dir,
                               const RestoreOptions& options = {});

}  // namespace civiup::snapshot::db
