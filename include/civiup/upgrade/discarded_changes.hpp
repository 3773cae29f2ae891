#pragma once
// Nothing is discarded silently (issue 15): before a rollback or restore
// changes anything, what it would throw away that was written after the
// snapshot being left (the post-upgrade state for a rollback, the target
// snapshot for a restore): tables whose rows differ, with row counts, and
// files changed in the restored paths.  Read-only.  The site may go on
// writing until maintenance mode: in the window, keep-replaced brings the
// report to what the run actually discards (add_written_after_question).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "civiup/snapshot/db/table_digests.hpp"
#include "civiup/upgrade/upgrade_run.hpp"

namespace civiup {

class UpgradeWorld;

struct DiscardedTable {
  std::string database;  // the database's name
  std::string table;
  std::string change;  // "changed", "added" (created since), "removed" (dropped since)
  uint64_t rows_then = 0;
  uint64_t rows_now = 0;
  bool after_question = false;  // written after the report was made (the window's figures)
};

struct DiscardedFile {
  std::string path;    // relative to the Backdrop root
  std::string change;  // added, removed, modified
};

struct DiscardedChanges {
  std::string since;  // what "since" means: "the upgrade to 5.75.0 (snapshot 1a2b3c4d5e6f)"
  std::vector<DiscardedTable> tables;
  std::vector<DiscardedFile> files;
  double seconds = 0;  // how long working it out took (before the question)
  // Not in the JSON: what the tables were compared with, per role (civicrm,
  // backdrop), so the window can tell what was written after the question.
  struct Compared {
    std::string database;                 // its name
    snapshot::db::TableDigests then;      // the state being left (baseline)
    snapshot::db::TableDigests reported;  // what the report read
    // The rollback writes one row itself before its dumps: Backdrop's
    // state.maintenance_mode.  That table, without that row, as reported.
    std::string own_table, own_rows_excluded, reported_without_own;
  };
  std::map<std::string, Compared> compared;
  std::string table_prefix;
  // Set when the window could not check what came after the question.
  std::string after_question_unchecked;

  bool empty() const { return tables.empty() && files.empty(); }
  nlohmann::json to_json() const;
  // A short table for a person: one line per table, then the files (first 10).
  std::string text() const;
  // "3 tables and 1 file changed since ..."
  std::string summary() const;
  // The tables written after the question, for a person ("" when none).
  std::string after_question_text() const;
  size_t after_question() const;
};

// What `run` (a planned rollback or restore) would discard.
DiscardedChanges find_discarded_changes(const UpgradeRun& run);

// In the window (keep-replaced, after snapshot-databases): `changes` becomes
// what the run discards, from the digests the window's dumps in `dumps_dir`
// record (read live where a dump has none); tables whose digest moved since
// the report are marked after_question.  Returns how many.
size_t add_written_after_question(DiscardedChanges& changes, const std::filesystem::path& dumps_dir,
                                  UpgradeWorld& world);

// Records every table's row digest of both databases as the upgrade left
// them (the commit phase), so a later rollback can tell what came after.
void record_post_upgrade_tables(UpgradeWorld& world, const std::filesystem::path& file);

// Where the commit phase records them: next to the upgrade's (pre-upgrade) dumps.
std::filesystem::path post_upgrade_tables_file(const std::filesystem::path& dumps_dir);

}  // namespace civiup
