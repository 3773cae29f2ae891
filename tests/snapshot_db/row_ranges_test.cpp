// Row-range checksums (civiup-db-dump/2) and the repair in place that reads
// only the ranges that differ: at any table size, with bounded memory, leaving
// each table exactly as dumped.  See docs/database-snapshots.md "Repair in place".
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "catalogue.hpp"
#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "row_ranges.hpp"
#include "row_sync.hpp"
#include "snapshot_fixture.hpp"

namespace civiup::test {
namespace {
namespace fs = std::filesystem;

std::string table_checksum(const fs::path& dump, const std::string& table) {
  const db::DumpManifest manifest = db::load_manifest(dump);  // alive while `entry` points into it
  const db::TableEntry* entry = manifest.find_table(table);
  return entry != nullptr && entry->checksum ? *entry->checksum : "";
}

size_t count_files(const fs::path& dump, const std::string& kind) {
  size_t n = 0;
  for (const auto& file : db::load_manifest(dump).files) n += file.kind == kind;
  return n;
}

// Above RowSyncLimits::max_rows (2 million), the old repair's limit: a week
// of work after the snapshot changes the first and the last key's rows, rows
// in the middle, deletes some and inserts others (below the lowest key too).
// The restore repairs it in place, reading only the ranges that differ, and
// the table is exactly as dumped: CHECKSUM TABLE (the image) and the row
// digest of a new dump.
TEST(RowRangeRepair, ATableAboveTheOldLimitIsRepairedRowByRow) {
  TempDir temp;
  ScratchDatabase live("rangebig");
  run_sql(live.name(), R"sql(
CREATE TABLE big (id INT PRIMARY KEY, grp INT NOT NULL, label VARCHAR(24) NOT NULL, KEY (grp));
INSERT INTO big SELECT seq, seq % 97, CONCAT('row ', seq) FROM seq_1_to_2100000;
CREATE TABLE small (id INT PRIMARY KEY, v INT);
INSERT INTO small VALUES (1, 1), (2, 2);
ANALYZE TABLE big)sql");
  Fingerprint before = database_fingerprint(live.name());
  db::DumpManifest manifest = db::dump_database(snapshot_login(), live.name(), temp / "dump");
  ASSERT_GE(count_files(temp / "dump", db::kRowRangesKind), 1u) << "the big table has row ranges";
  EXPECT_EQ(manifest.format, db::kDumpFormat);

  auto report = restore_as_before(live.name(), temp / "dump", before, R"sql(
UPDATE big SET label = 'changed first' WHERE id = 1;
UPDATE big SET label = 'changed last' WHERE id = 2100000;
UPDATE big SET grp = -1 WHERE id IN (1050000, 1050001, 777777, 1999999);
DELETE FROM big WHERE id BETWEEN 300000 AND 300099;
DELETE FROM big WHERE id = 2099999;
INSERT INTO big VALUES (-5, 0, 'below the lowest key'), (2100001, 0, 'above'), (2200000, 0, 'far above');
UPDATE small SET v = 3 WHERE id = 2)sql");
  EXPECT_EQ(report.repaired_tables, std::vector<std::string>{"big"});
  EXPECT_EQ(report.restored_tables, std::vector<std::string>{"small"});
  // 6 changed rows deleted and inserted, 101 deleted ones inserted, 3 added ones deleted.
  EXPECT_EQ(report.repaired_rows, 2u * 6 + 101 + 3);
  EXPECT_GT(report.compared_ranges, 10000u);
  EXPECT_LE(report.differing_ranges, 20u) << "only the ranges holding the changes were read row by row";

  db::dump_database(snapshot_login(), live.name(), temp / "again");
  EXPECT_EQ(table_checksum(temp / "again", "big"), table_checksum(temp / "dump", "big"));
}

// A 50,000-row table with an integer key: big enough for row ranges (1 MB).
constexpr const char* kNoteTable = R"sql(
CREATE TABLE note (id INT UNSIGNED PRIMARY KEY, body VARCHAR(200) NOT NULL);
INSERT INTO note SELECT seq, CONCAT('note ', seq, ' ', REPEAT('x', 40)) FROM seq_1_to_50000;
ANALYZE TABLE note)sql";

// A 50,000-row table, dumped, then changed.
void create_and_change(const std::string& database, const fs::path& dump) {
  run_sql(database, kNoteTable);
  db::dump_database(snapshot_login(), database, dump);
  run_sql(database, R"sql(
UPDATE note SET body = 'changed' WHERE id IN (1, 25000, 50000);
DELETE FROM note WHERE id BETWEEN 100 AND 120;
INSERT INTO note VALUES (60000, 'added'))sql");
}

db::TableInfo live_table(const std::string& database, const std::string& name) {
  db::Session session(snapshot_login(), database);
  for (auto& table : db::read_catalogue(session, database).tables)
    if (table.name == name) return table;
  throw std::runtime_error("no table " + name);
}

// A failure between the changes and COMMIT (here: the hook that runs just
// before it) rolls the transaction back: the table is as it was before the repair.
TEST(RowRangeRepair, AFailureBeforeCommitLeavesTheTableAsItWas) {
  TempDir temp;
  ScratchDatabase live("rangefault");
  create_and_change(live.name(), temp / "dump");
  Fingerprint changed = database_fingerprint(live.name());
  db::DumpManifest manifest = db::load_manifest(temp / "dump");
  auto ranges = db::load_table_ranges(temp / "dump", manifest, *manifest.find_table("note"));
  ASSERT_TRUE(ranges.has_value());
  bool reached = false;
  try {
    db::sync_rows_by_ranges(snapshot_login(), live.name(), temp / "dump", manifest, live_table(live.name(), "note"),
                            *ranges, 2, {}, [&] {
                              reached = true;
                              fail("injected failure before COMMIT");
                            });
    ADD_FAILURE() << "the injected failure must come through";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("injected failure before COMMIT"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(reached);
  expect_same_image(changed, database_fingerprint(live.name()));

  // And without the failure, the same call brings the dumped rows back.
  auto result = db::sync_rows_by_ranges(snapshot_login(), live.name(), temp / "dump", manifest,
                                        live_table(live.name(), "note"), *ranges, 2);
  EXPECT_EQ(result.outcome, db::RowSyncResult::synced);
  EXPECT_EQ(result.deleted, 4u);
  EXPECT_EQ(result.inserted, 24u);
  db::dump_database(snapshot_login(), live.name(), temp / "again");
  EXPECT_EQ(table_checksum(temp / "again", "note"), table_checksum(temp / "dump", "note"));
}

// Most of the table changed: reloaded, not repaired, nothing written first.
TEST(RowRangeRepair, MostOfTheTableChangedIsReloaded) {
  TempDir temp;
  ScratchDatabase live("rangemost");
  run_sql(live.name(), kNoteTable);
  auto report = restore_after(live.name(), temp / "dump", "UPDATE note SET body = 'changed' WHERE id % 3 = 0");
  EXPECT_EQ(report.restored_tables, std::vector<std::string>{"note"});
  EXPECT_TRUE(report.repaired_tables.empty());
}

// A dump from before row ranges (civiup-db-dump/1: no row-ranges files)
// still restores, its big table repaired the old way.
TEST(RowRangeRepair, AnOlderDumpWithoutRowRangesStillRestores) {
  TempDir temp;
  ScratchDatabase live("rangeold");
  run_sql(live.name(), kNoteTable);
  Fingerprint before = database_fingerprint(live.name());
  db::dump_database(snapshot_login(), live.name(), temp / "dump");
  // Make it a /1 dump: no row-ranges files, the old format name.
  db::DumpManifest manifest = db::load_manifest(temp / "dump");
  std::vector<db::DumpFile> kept;
  for (const auto& file : manifest.files) {
    if (file.kind == db::kRowRangesKind)
      fs::remove(temp / "dump" / file.name);
    else
      kept.push_back(file);
  }
  ASSERT_LT(kept.size(), manifest.files.size());
  manifest.files = kept;
  manifest.format = "civiup-db-dump/1";
  write_file_durably(temp / "dump" / db::kManifestName, manifest.to_json());

  const std::string change = "UPDATE note SET body = 'changed' WHERE id IN (1, 25000, 50000)";
  auto report = restore_as_before(live.name(), temp / "dump", before, change);
  EXPECT_EQ(report.repaired_tables, std::vector<std::string>{"note"});
  EXPECT_EQ(report.repaired_rows, 6u);
  EXPECT_EQ(report.compared_ranges, 0u) << "compared the old way";
}

// Row ranges that do not add up to the manifest's digest are refused (a
// damaged or foreign file); the selective restore then reloads the table.
TEST(RowRangeRepair, RangesThatDisagreeWithTheManifestAreRefused) {
  TempDir temp;
  ScratchDatabase live("rangebad");
  create_and_change(live.name(), temp / "dump");
  db::DumpManifest manifest = db::load_manifest(temp / "dump");
  db::TableEntry entry = *manifest.find_table("note");
  entry.checksum = "50000:0000000000000001";
  try {
    (void)db::load_table_ranges(temp / "dump", manifest, entry);
    ADD_FAILURE() << "ranges whose sums are not the manifest's digest must be refused";
  } catch (const Error& e) {
    EXPECT_TRUE(is_one_line(e.what())) << e.what();
    EXPECT_NE(std::string(e.what()).find("not the manifest's row digest"), std::string::npos) << e.what();
  }
}

// Plan online, apply in the window: plan_restore compares while the
// database is in use and records its decisions and rows; restore_changed
// takes them for the tables not written since (here `note`, whose rows and
// added column are undone without being read again) and compares again the
// ones written after the plan began (`other`).
TEST(RowRangeRepair, APlanMadeOnlineIsAppliedAndATableWrittenSinceIsComparedAgain) {
  TempDir temp;
  ScratchDatabase live("rangeplan");
  run_sql(live.name(), R"sql(
CREATE TABLE note (id INT UNSIGNED PRIMARY KEY, body VARCHAR(200) NOT NULL);
INSERT INTO note SELECT seq, CONCAT('note ', seq, ' ', REPEAT('x', 40)) FROM seq_1_to_50000;
CREATE TABLE other (id INT PRIMARY KEY, body VARCHAR(200) NOT NULL);
INSERT INTO other SELECT seq, CONCAT('other ', seq, ' ', REPEAT('y', 40)) FROM seq_1_to_50000;
CREATE TABLE small (id INT PRIMARY KEY, v INT);
INSERT INTO small VALUES (1, 1);
ANALYZE TABLE note, other)sql");
  Fingerprint before = database_fingerprint(live.name());
  db::dump_database(snapshot_login(), live.name(), temp / "dump");
  run_sql(live.name(), R"sql(
ALTER TABLE note ADD COLUMN added INT;
UPDATE note SET body = 'changed', added = 1 WHERE id IN (1, 30000, 50000);
DELETE FROM note WHERE id BETWEEN 10 AND 14;
INSERT INTO note (id, body) VALUES (70000, 'new');
UPDATE other SET body = 'changed' WHERE id = 2)sql");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // UPDATE_TIME has one-second resolution

  db::RestorePlanReport plan = db::plan_restore(snapshot_login(), live.name(), temp / "dump", temp / "plan");
  EXPECT_TRUE(plan.written);
  EXPECT_EQ(plan.repair_tables, (std::vector<std::string>{"note", "other"}));
  EXPECT_EQ(plan.unchanged_tables, std::vector<std::string>{"small"});
  EXPECT_EQ(plan.repair_rows, 2u * 3 + 5 + 1 + 2);
  EXPECT_TRUE(fs::exists(temp / "plan" / "plan.json"));

  // After the plan began: written again.
  run_sql(live.name(), "UPDATE other SET body = 'changed after the plan' WHERE id IN (3, 40000)");
  db::RestoreOptions options;
  options.plan_dir = temp / "plan";
  auto report = db::restore_changed(snapshot_login(), live.name(), temp / "dump", options);
  expect_same_image(before, database_fingerprint(live.name()));
  std::sort(report.planned_tables.begin(), report.planned_tables.end());
  EXPECT_EQ(report.planned_tables, (std::vector<std::string>{"note", "small"}));
  EXPECT_EQ(report.replanned_tables, std::vector<std::string>{"other"});
  std::sort(report.repaired_tables.begin(), report.repaired_tables.end());
  EXPECT_EQ(report.repaired_tables, (std::vector<std::string>{"note", "other"}));
  EXPECT_TRUE(report.restored_tables.empty()) << testing::PrintToString(report.restored_tables);
  EXPECT_EQ(report.repaired_rows, (2u * 3 + 5 + 1) + (2u * 3)) << "note as planned, other compared again";
  EXPECT_EQ(std::count(report.checksummed_tables.begin(), report.checksummed_tables.end(), "note"), 0)
      << "the planned repair was proven by its ranges, not by a full digest";

  // A plan of another dump is not used.
  db::dump_database(snapshot_login(), live.name(), temp / "dump2");
  run_sql(live.name(), "UPDATE note SET body = 'x' WHERE id = 5");
  auto other_dump = db::restore_changed(snapshot_login(), live.name(), temp / "dump2", options);
  EXPECT_TRUE(other_dump.planned_tables.empty());
  EXPECT_EQ(other_dump.repaired_tables, std::vector<std::string>{"note"});
}

}  // namespace
}  // namespace civiup::test
