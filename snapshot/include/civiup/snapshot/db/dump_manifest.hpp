#pragma once
// The manifest of a database dump: what it holds, row counts, checksums, sizes.
// It is written last and durably; a directory without a committed manifest is
// an interrupted dump and never counts as usable.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace civiup::snapshot::db {

inline constexpr const char* kManifestName = "manifest.json";
// /2 adds "row-ranges" files (row_ranges.hpp) that are not SQL; /1 dumps are still read.
inline constexpr const char* kDumpFormat = "civiup-db-dump/2";
inline constexpr const char* kDumpFormatV1 = "civiup-db-dump/1";

// One compressed SQL file of the dump.
struct DumpFile {
  std::string name;                // "20-data-civicrm_contact-00001.sql.zst"
  std::string kind;                // table, data, row-ranges, routine, view-standins, view, triggers, event
  std::string object;              // the table, view, routine or event it belongs to
  uint64_t bytes = 0;              // compressed size on disk
  uint64_t sql_bytes = 0;          // uncompressed SQL
  uint64_t largest_statement = 0;  // bytes of its longest statement
};

struct TableEntry {
  std::string name;
  std::string type;                     // BASE TABLE, SYSTEM VERSIONED
  std::string create_statement;         // SHOW CREATE TABLE as dumped (incl. AUTO_INCREMENT)
  uint64_t rows = 0;                    // rows dumped (history rows included)
  uint64_t data_bytes = 0;              // SQL bytes of its INSERTs
  std::optional<std::string> checksum;  // row digest at the snapshot point ("rows:hash", see checksum_method)
};

// Views, triggers, routines and events: name, file and definition.
struct ProgramEntry {
  std::string kind;  // view, trigger, function, procedure, event
  std::string name;
  std::string table;  // triggers: the table they belong to
  std::string create_statement;
  std::string definer;
};

struct DumpManifest {
  std::string format = kDumpFormat;
  std::string database;
  std::string default_charset;
  std::string default_collation;
  std::string server_version;
  std::string created_utc;           // "2026-11-25T14:00:00Z"
  int64_t snapshot_epoch = 0;        // server UNIX_TIMESTAMP() at the consistent point
  int64_t server_started_epoch = 0;  // UNIX_TIMESTAMP() - Uptime, to tell a restarted server
  std::string server_datadir;
  std::string consistency;      // how the consistent point was taken
  std::string checksum_method;  // how `checksum` is computed (docs/database-snapshots.md)
  double seconds = 0;
  std::vector<TableEntry> tables;
  std::vector<ProgramEntry> programs;  // views, routines, triggers, events
  std::vector<DumpFile> files;         // in load order (their names sort in load order too)
  // A delta dump (DumpOptions::base) is complete on its own; these say how it was made.
  std::string base_dump;                        // the base dump's directory; "" for a full dump
  std::vector<std::string> reused_tables;       // data files hard-linked from the base, entries copied
  std::vector<std::string> checksummed_tables;  // compared with the base by checksum (no usable UPDATE_TIME)

  const TableEntry* find_table(const std::string& name) const;
  uint64_t total_sql_bytes() const;
  uint64_t total_bytes() const;

  std::string to_json() const;
  static DumpManifest from_json(const std::string& text);
};

// The committed manifest of the dump in `dir`; throws when there is none
// (interrupted dump) or a listed file is missing or has the wrong size.
DumpManifest load_manifest(const std::filesystem::path& dir);

// True when `dir` holds a committed, complete dump.
bool is_usable_dump(const std::filesystem::path& dir);

// The usable dumps directly under `parent`, sorted by name.
std::vector<std::filesystem::path> list_usable_dumps(const std::filesystem::path& parent);

}  // namespace civiup::snapshot::db
