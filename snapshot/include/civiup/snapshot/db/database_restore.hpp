#pragma once
// Restoring a dump: in full (drop what the dump replaces, load in parallel,
// verify every checksum), or selectively (only what differs from the live database).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "civiup/snapshot/db/database_login.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "civiup/snapshot/progress.hpp"

namespace civiup::snapshot::db {

struct RestoreOptions {
  int jobs = 2;                 // loader connections
  // Secondary keys and foreign keys are added after a table's rows (one sorted
  // build); false: tables are created with them, as the stock client does.
  bool defer_indexes = true;
  bool verify = true;           // row digest and definition of restored tables against the manifest
  // Selective restore: a table whose InnoDB UPDATE_TIME is older than the dump's
  // consistent point on the same, not restarted server is unchanged without a
  // checksum.  false: checksum every table.
  bool trust_update_time = true;
  // begin("restoring <db>", tables to reload, "tables"), advance(tables done,
  // SQL bytes) as data files load, end().  A throw from it fails the restore.
  // Null: no_progress().
  Progress* progress = nullptr;
};

struct RestoreReport {
  std::vector<std::string> restored_tables;   // dropped (if present) and reloaded
  std::vector<std::string> unchanged_tables;  // selective: left as they were
  std::vector<std::string> dropped_objects;   // "table x", "view v", "trigger t", ...
  std::vector<std::string> checksummed_tables;
  bool created_database = false;
  uint64_t sql_bytes = 0;  // SQL loaded
  double seconds = 0;
};

// Full restore of the dump in `dir` into `database` (created if missing).
RestoreReport restore_database(const DatabaseLogin& login, const std::string& database,
                               const std::filesystem::path& dir, const RestoreOptions& options = {});

// Selective restore: reload tables whose definition or checksum differs, drop
// tables/views/triggers/routines/events the dump does not have, recreate the
// dump's views/triggers/routines/events.  Ends by verifying what it reloaded.
RestoreReport restore_changed(const DatabaseLogin& login, const std::string& database,
                              const std::filesystem::path& dir, const RestoreOptions& options = {});

}  // namespace civiup::snapshot::db
