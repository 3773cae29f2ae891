#pragma once
// Nothing is discarded silently (issue 15): before a rollback or restore
// changes anything, what it would throw away that was written after the
// snapshot being left (the post-upgrade state for a rollback, the target
// snapshot for a restore): tables whose rows differ, with row counts, and
// files changed in the restored paths.  Read-only.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "civiup/upgrade/upgrade_run.hpp"

namespace civiup {

class UpgradeWorld;

struct DiscardedTable {
  std::string database;  // the database's name
  std::string table;
  std::string change;    // "changed", "added" (created since), "removed" (dropped since)
  uint64_t rows_then = 0;
  uint64_t rows_now = 0;
};

struct DiscardedFile {
  std::string path;    // relative to the Backdrop root
  std::string change;  // added, removed, modified
};

struct DiscardedChanges {
  std::string since;  // what "since" means: "the upgrade to 5.75.0 (snapshot 1a2b3c4d5e6f)"
  std::vector<DiscardedTable> tables;
  std::vector<DiscardedFile> files;

  bool empty() const { return tables.empty() && files.empty(); }
  nlohmann::json to_json() const;
  // A short table for a person: one line per table, then the files (first 10).
  std::string text() const;
  // "3 tables and 1 file changed since ..."
  std::string summary() const;
};

// What `run` (a planned rollback or restore) would discard.
DiscardedChanges find_discarded_changes(const UpgradeRun& run);

// Records every table's row digest of both databases as the upgrade left
// them (the commit phase), so a later rollback can tell what came after.
void record_post_upgrade_tables(UpgradeWorld& world, const std::filesystem::path& file);

// Where the commit phase records them: next to the upgrade's (pre-upgrade) dumps.
std::filesystem::path post_upgrade_tables_file(const std::filesystem::path& dumps_dir);

}  // namespace civiup
