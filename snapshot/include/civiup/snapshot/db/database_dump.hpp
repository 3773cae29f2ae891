#pragma once
// DatabaseDump: a consistent, complete, streamed dump of one database into a
// directory of zstd-compressed SQL files and a manifest committed last.
// See docs/database-snapshots.md for the format and the consistency method.
#include <cstdint>
#include <filesystem>
#include <string>

#include "civiup/snapshot/db/database_login.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "civiup/snapshot/progress.hpp"

namespace civiup::snapshot::db {

struct DumpOptions {
  int jobs = 2;                           // worker connections sharing one consistent snapshot
  int zstd_level = 1;
  uint64_t statement_bytes = 1u << 20;    // INSERTs are cut near this size (and under max_allowed_packet)
  uint64_t chunk_bytes = 32u << 20;       // tables larger than this are dumped in key ranges in parallel
  bool block_ddl = true;                  // BACKUP STAGE BLOCK_DDL for the duration (needs RELOAD)
  bool checksums = true;                  // record each table's row digest (computed while dumping)
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
DumpManifest dump_database(const DatabaseLogin& login, const std::string& database,
                           const std::filesystem::path& dir, const DumpOptions& options = {});

}  // namespace civiup::snapshot::db
