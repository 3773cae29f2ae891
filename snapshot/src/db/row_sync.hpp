#pragma once
// Bringing a big table back to a dump's rows in place, when few of them
// changed: a CiviCRM upgrade touches a few percent of a big table's rows
// (modified_date bumps, a migrated value), and deleting and inserting those
// costs a fraction of reloading the table and rebuilding its keys.
//
// Rows are matched by their SQL value tuple, the text the dump wrote and its
// row digest hashed (table_rows.hpp): a live row whose tuple is not in the
// dump is deleted by its key, a dumped tuple not live is inserted.  The
// comparison reads and changes nothing until it knows how many rows differ.
// See docs/database-snapshots.md.
#include <cstdint>
#include <filesystem>
#include <string>

#include <functional>
#include <vector>

#include "catalogue.hpp"
#include "civiup/snapshot/db/database_login.hpp"
#include "civiup/snapshot/db/database_restore.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "row_ranges.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {

struct RowSyncResult {
  enum Outcome { same, synced, not_possible, too_many_changes } outcome = not_possible;
  uint64_t deleted = 0;
  uint64_t inserted = 0;
  // The table is proven to hold the dump's rows (same, or synced and the
  // changed ranges read back equal inside the transaction, with no other
  // write to the table since the comparison began): no full digest needed.
  bool verified = false;
  uint64_t compared_ranges = 0;   // row ranges compared (sync_rows_by_ranges)
  uint64_t differing_ranges = 0;  // of those, ranges whose rows were read and compared one by one
};

// Compares the live rows of `table` (catalogue of the live table, whose
// definition is the dump's) with the dump's data files of it; when they differ
// in no more rows than `limits` allow, deletes and inserts the differing rows
// in one transaction, on a connection with the data files' session settings
// and foreign_key_checks off (so no ON DELETE action runs; triggers are the
// caller's to drop first).  Reads run over `jobs` connections.  Throws on a
// server or file error (after rolling back: the table is then as it was).
RowSyncResult sync_rows(const DatabaseLogin& login, const std::string& database, const std::filesystem::path& dir,
                        const DumpManifest& manifest, const TableInfo& table, int jobs,
                        const RowSyncLimits& limits = {});

// What differs between a live table and the dump's rows, by row ranges.
struct RangeDiff {
  RowSyncResult::Outcome outcome =
      RowSyncResult::not_possible;  // same, synced (to apply), too_many_changes, not_possible
  int64_t started_epoch = 0;        // server time when the comparison began
  uint64_t compared_ranges = 0;
  std::vector<int64_t> differing;           // buckets whose sums differ, sorted
  std::vector<std::string> stale_keys;      // live keys to delete (decimal text)
  std::vector<std::string> missing_tuples;  // dumped tuples to insert
};

// Steps 1-4 of sync_rows_by_ranges: reads, changes nothing.  `table` describes
// the live table with the dump's columns (it may have more; they are not read).
RangeDiff diff_rows_by_ranges(const DatabaseLogin& login, const std::string& database, const std::filesystem::path& dir,
                              const DumpManifest& manifest, const TableInfo& table, const TableRanges& ranges, int jobs,
                              const RowSyncLimits& limits = {});

// The last step: deletes, inserts, reads the differing ranges back and checks
// them against the dump's sums, commits; a mismatch or a throw from
// `before_commit` rolls back.  Throws "checksum mismatch after restore: ...".
void apply_range_diff(const DatabaseLogin& login, const std::string& database, const DumpManifest& manifest,
                      const TableInfo& table, const TableRanges& ranges, const RangeDiff& diff,
                      const std::function<void()>& before_commit = {});

// UNIX_TIMESTAMP of the table's InnoDB UPDATE_TIME, -1 when NULL.
int64_t update_epoch(Session& session, const std::string& table);

// The same at any size, with bounded memory, for a table whose dump has row
// ranges (row_ranges.hpp): the live table's range sums are computed in key
// order over `jobs` connections and compared with the dump's; only the rows
// of ranges that differ are read (live) and parsed (from the data files that
// cover them) and compared one by one.  More than `limits.max_changed_fraction`
// of the rows in differing ranges, or more than `limits.max_compared_rows`
// of them or `limits.max_insert_bytes` of tuples to insert: too_many_changes.
// Otherwise stale rows are deleted, missing ones inserted, and the changed
// ranges read back and compared with the dump's sums, all in one transaction
// (a mismatch rolls it back and throws "checksum mismatch after restore").
// `before_commit` (may be empty) runs just before COMMIT: a throw there rolls back.
RowSyncResult sync_rows_by_ranges(const DatabaseLogin& login, const std::string& database,
                                  const std::filesystem::path& dir, const DumpManifest& manifest,
                                  const TableInfo& table, const TableRanges& ranges, int jobs,
                                  const RowSyncLimits& limits = {}, const std::function<void()>& before_commit = {});

}  // namespace civiup::snapshot::db
