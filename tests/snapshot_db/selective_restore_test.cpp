// Selective restore: after changes to the live database, only what differs is
// reloaded, what the dump lacks is dropped, and the result equals the original.
#include <algorithm>

#include <gtest/gtest.h>

#include "civiup/base/error.hpp"
#include "snapshot_fixture.hpp"

namespace civiup::test {
namespace {

void create_small_site(const std::string& database) {
  run_sql(database, R"sql(
CREATE TABLE contact (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64), KEY (name));
CREATE TABLE email (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, contact_id INT UNSIGNED, email VARCHAR(254),
  CONSTRAINT FK_email_contact FOREIGN KEY (contact_id) REFERENCES contact (id) ON DELETE CASCADE);
CREATE TABLE setting (name VARCHAR(64) PRIMARY KEY, value TEXT);
CREATE TABLE log (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(100));
INSERT INTO contact (name) SELECT CONCAT('contact ', seq) FROM seq_1_to_2000;
INSERT INTO email (contact_id, email) SELECT seq, CONCAT('c', seq, '@example.org') FROM seq_1_to_2000;
INSERT INTO setting VALUES ('version', '5.74.0'), ('theme', 'default');
CREATE VIEW contact_email AS SELECT c.name, e.email FROM contact c JOIN email e ON e.contact_id = c.id;
CREATE VIEW first_contacts AS SELECT name FROM contact_email LIMIT 10;
CREATE TRIGGER contact_ai AFTER INSERT ON contact FOR EACH ROW INSERT INTO log (what) VALUES (NEW.name);
CREATE FUNCTION version_of() RETURNS TEXT READS SQL DATA RETURN (SELECT value FROM setting WHERE name = 'version'))sql");
}

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

// What an upgrade does: rows change in one table, a table and a column
// appear, a view goes, a routine and a trigger change.
const std::string kUpgradeChanges = R"sql(
UPDATE setting SET value = '5.75.0' WHERE name = 'version';
CREATE TABLE new_feature (id INT PRIMARY KEY);
INSERT INTO new_feature VALUES (1);
ALTER TABLE email ADD COLUMN is_primary TINYINT NOT NULL DEFAULT 0;
DROP VIEW first_contacts;
DROP FUNCTION version_of;
CREATE FUNCTION version_of() RETURNS TEXT READS SQL DATA RETURN 'changed';
CREATE PROCEDURE upgrade_helper() SELECT 1;
DROP TRIGGER contact_ai)sql";

// Reloaded, not repaired in place (RepairsABigTableInPlace).
db::RestoreOptions reload_only() {
  db::RestoreOptions options;
  options.repair_in_place = false;
  return options;
}

TEST(SelectiveRestore, ReloadsOnlyWhatChangedAndGivesBackTheOriginal) {
  TempDir temp;
  ScratchDatabase live("sel");
  create_small_site(live.name());
  auto report = restore_after(live.name(), temp / "dump", kUpgradeChanges);
  EXPECT_EQ(sorted(report.restored_tables), (std::vector<std::string>{"email", "setting"}));
  EXPECT_EQ(sorted(report.unchanged_tables), (std::vector<std::string>{"contact", "log"}));
  EXPECT_NE(std::find(report.dropped_objects.begin(), report.dropped_objects.end(), "table new_feature"),
            report.dropped_objects.end());
  EXPECT_NE(std::find(report.dropped_objects.begin(), report.dropped_objects.end(), "procedure upgrade_helper"),
            report.dropped_objects.end());
}

TEST(SelectiveRestore, ChecksumsFindChangesWithoutUpdateTime) {
  TempDir temp;
  ScratchDatabase live("selsum");
  create_small_site(live.name());
  db::RestoreOptions options;
  options.trust_update_time = false;
  auto report =
      restore_after(live.name(), temp / "dump", "UPDATE contact SET name = 'changed' WHERE id = 1500", options);
  EXPECT_EQ(report.restored_tables, std::vector<std::string>{"contact"});
  EXPECT_EQ(sorted(report.checksummed_tables),
            (std::vector<std::string>{"contact", "contact", "email", "log", "setting"}))
      << "every table compared by checksum, then the reloaded one verified";
}

// Dumps `database` in key ranges of about 1 MB; returns how many data files its table `note` got.
size_t dump_in_key_ranges(const std::string& database, const std::filesystem::path& dir) {
  db::DumpOptions options;
  options.chunk_bytes = 1 << 20;
  auto manifest = db::dump_database(snapshot_login(), database, dir, options);
  size_t chunks = 0;
  for (const auto& file : manifest.files) chunks += file.kind == "data" && file.object == "note";
  return chunks;
}

TEST(SelectiveRestore, OneBigTableIsLoadedInKeyRangesOverEveryConnection) {
  TempDir temp;
  ScratchDatabase live("selbig");
  create_small_site(live.name());
  run_sql(live.name(), R"sql(
CREATE TABLE note (id INT UNSIGNED PRIMARY KEY, contact_id INT UNSIGNED, body TEXT, KEY (contact_id),
  UNIQUE KEY UI_body (body(100)), CONSTRAINT FK_note_contact FOREIGN KEY (contact_id) REFERENCES contact (id));
INSERT INTO note SELECT seq, 1 + seq % 2000, CONCAT(seq, ' ', REPEAT('note ', 50)) FROM seq_1_to_20000;
ANALYZE TABLE note)sql");  // DATA_LENGTH, which plans the key ranges, is updated in the background otherwise
  Fingerprint before = database_fingerprint(live.name());
  ASSERT_GT(dump_in_key_ranges(live.name(), temp / "dump"), 2u);

  const std::string change = "ALTER TABLE note ADD COLUMN added INT;\nUPDATE note SET body = 'changed' WHERE id = 7";
  auto report = restore_as_before(live.name(), temp / "dump", before, change, reload_only());
  EXPECT_EQ(report.restored_tables, std::vector<std::string>{"note"});
}

// A big table dumped in one file (no integer key to split by, or under the
// dump's chunk size) is still shared out over the connections when it alone is
// reloaded: each takes one slice of the file's INSERTs.
TEST(SelectiveRestore, OneBigTableInOneFileIsLoadedInSlices) {
  TempDir temp;
  ScratchDatabase live("selslices");
  create_small_site(live.name());
  run_sql(live.name(), R"sql(
CREATE TABLE note (id INT UNSIGNED PRIMARY KEY, contact_id INT UNSIGNED, body TEXT, KEY (contact_id),
  UNIQUE KEY UI_body (body(100)));
INSERT INTO note SELECT seq, 1 + seq % 2000, CONCAT(seq, ' ', REPEAT('note ', 50)) FROM seq_1_to_30000)sql");
  Fingerprint before = database_fingerprint(live.name());
  db::DumpOptions dump_options;
  dump_options.statement_bytes = 64 << 10;  // many INSERTs in the one file
  auto manifest = db::dump_database(snapshot_login(), live.name(), temp / "dump", dump_options);
  size_t files = 0;
  for (const auto& file : manifest.files) files += file.kind == "data" && file.object == "note";
  ASSERT_EQ(files, 1u);

  auto report =
      restore_as_before(live.name(), temp / "dump", before, "ALTER TABLE note MODIFY body MEDIUMTEXT", reload_only());
  EXPECT_EQ(report.restored_tables, std::vector<std::string>{"note"});
}

// The big table's digest is computed while its keys are built (another
// connection, the same moment): a changed value in one of its key ranges must
// still fail the restore.
TEST(SelectiveRestore, OneBigTableIsVerifiedWhileItsKeysAreBuilt) {
  TempDir temp;
  ScratchDatabase live("selbigtamper");
  run_sql(live.name(), R"sql(
CREATE TABLE note (id INT UNSIGNED PRIMARY KEY, contact_id INT UNSIGNED, body TEXT, KEY (contact_id),
  KEY body_start (body(20)));
INSERT INTO note SELECT seq, 1 + seq % 2000, CONCAT('note ', seq, ' ', REPEAT('text ', 50)) FROM seq_1_to_20000;
ANALYZE TABLE note)sql");
  ASSERT_GT(dump_in_key_ranges(live.name(), temp / "dump"), 2u);
  ASSERT_NO_FATAL_FAILURE(change_dump_file(temp / "dump", "20-data-note-00002.sql.zst", "'note ", "'NOTE "));

  run_sql(live.name(), "ALTER TABLE note ADD COLUMN added INT");
  // Reloaded: a repair in place would find the live rows equal to the dump's
  // row ranges and never read the changed file (the table is then as dumped).
  try {
    db::restore_changed(snapshot_login(), live.name(), temp / "dump", reload_only());
    ADD_FAILURE() << "a reloaded table that does not match the dump's checksum must fail the restore";
  } catch (const Error& e) {
    EXPECT_TRUE(is_one_line(e.what())) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum mismatch after restore: table `note` (dump 20000:"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(query_column(*live.connect(), "SHOW INDEX FROM note WHERE Key_name = 'body_start'"),
            std::vector<std::string>{"note"})
      << "the keys were built (the digest ran alongside, not instead)";
}

// A big table (over RestoreOptions::repair_min_bytes) with a child whose
// foreign key cascades deletes, and a trigger that logs deletes.
void create_big_note(const std::string& database) {
  run_sql(database, R"sql(
CREATE TABLE note (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, contact_id INT UNSIGNED, body TEXT,
  modified TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP, KEY (contact_id),
  UNIQUE KEY UI_body (body(60)));
INSERT INTO note (id, contact_id, body, modified)
  SELECT seq, 1 + seq % 2000, CONCAT('note ', seq, ' ', REPEAT('text ', 50)), '2026-01-01 00:00:00' FROM seq_1_to_20000;
CREATE TABLE note_tag (id INT UNSIGNED PRIMARY KEY, note_id INT UNSIGNED,
  CONSTRAINT FK_tag_note FOREIGN KEY (note_id) REFERENCES note (id) ON DELETE CASCADE);
INSERT INTO note_tag SELECT seq, seq FROM seq_1_to_20000;
CREATE TABLE note_log (id INT AUTO_INCREMENT PRIMARY KEY, what VARCHAR(100));
CREATE TRIGGER note_ad AFTER DELETE ON note FOR EACH ROW INSERT INTO note_log (what) VALUES (OLD.id);
ANALYZE TABLE note)sql");
}

// What a CiviCRM upgrade does to a big table: a column, a key and a foreign
// key added, the new column filled in 1 % of the rows (which bumps their
// ON UPDATE timestamp), a row added.  The table is brought back in place:
// the additions dropped, the 200 changed rows deleted and inserted, the added
// one deleted; the child's cascade and the delete trigger never fire.
TEST(SelectiveRestore, RepairsABigTableInPlace) {
  TempDir temp;
  ScratchDatabase live("selrepair");
  create_big_note(live.name());
  auto report = restore_after(live.name(), temp / "dump", R"sql(
ALTER TABLE note ADD COLUMN added_note VARCHAR(255) DEFAULT NULL AFTER contact_id, ADD KEY added_key (added_note),
  ADD CONSTRAINT FK_note_tag FOREIGN KEY (contact_id) REFERENCES note_tag (id);
UPDATE note SET added_note = 'upgraded', modified = '2026-11-26 00:00:00' WHERE id % 100 = 7;
INSERT INTO note (contact_id, body) VALUES (1, 'added by the upgrade'))sql");

  EXPECT_TRUE(report.restored_tables.empty()) << testing::PrintToString(report.restored_tables);
  EXPECT_EQ(report.repaired_tables, std::vector<std::string>{"note"});
  EXPECT_EQ(report.repaired_rows, 401u) << "200 changed rows deleted and inserted, the added one deleted";
  ASSERT_EQ(report.repair_statements.size(), 2u) << testing::PrintToString(report.repair_statements);
  EXPECT_EQ(report.repair_statements[0],
            "ALTER TABLE `note` DROP COLUMN `added_note`, DROP KEY `added_key`, DROP FOREIGN KEY `FK_note_tag`, "
            "AUTO_INCREMENT = 20001, ALGORITHM=NOCOPY");
  EXPECT_EQ(report.repair_statements[1], "ALTER TABLE `note` AUTO_INCREMENT = 20001, ALGORITHM=NOCOPY")
      << "the added row's key, deleted, had raised AUTO_INCREMENT";
  EXPECT_EQ(query_column(*live.connect(), "SELECT COUNT(*) FROM note_log"), std::vector<std::string>{"0"});
}

// Rows changed beyond RowSyncLimits::max_changed_fraction: reloaded.
TEST(SelectiveRestore, ManyChangedRowsAreReloadedNotRepaired) {
  TempDir temp;
  ScratchDatabase live("selmany");
  create_big_note(live.name());
  auto report = restore_after(live.name(), temp / "dump",
                              "UPDATE note SET modified = '2026-11-26 00:00:00' WHERE id % 10 IN (1, 2)");
  EXPECT_EQ(report.restored_tables, std::vector<std::string>{"note"});
  EXPECT_TRUE(report.repaired_tables.empty());
}

// A changed column (not an addition) is not undone in place; neither is an
// addition the server could only drop by copying the table (a FULLTEXT key
// makes InnoDB rebuild): both tables are reloaded, no ALTER having run.
TEST(SelectiveRestore, ChangesOtherThanAdditionsAreReloaded) {
  TempDir temp;
  ScratchDatabase live("selnorepair");
  create_big_note(live.name());
  run_sql(live.name(), R"sql(
CREATE TABLE document (id INT UNSIGNED PRIMARY KEY, body TEXT, FULLTEXT KEY ft_body (body));
INSERT INTO document SELECT seq, CONCAT('document ', seq, ' ', REPEAT('words ', 40)) FROM seq_1_to_8000)sql");
  auto report = restore_after(live.name(), temp / "dump", R"sql(
ALTER TABLE note MODIFY contact_id BIGINT UNSIGNED;
ALTER TABLE document ADD COLUMN added INT)sql");
  EXPECT_EQ(sorted(report.restored_tables), (std::vector<std::string>{"document", "note"}));
  EXPECT_TRUE(report.repaired_tables.empty());
  EXPECT_TRUE(report.repair_statements.empty()) << testing::PrintToString(report.repair_statements);
}

// Rows inserted in place come from the dump's files: a file changed after the
// dump puts a wrong row in, and the verification must catch it.
TEST(SelectiveRestore, ARepairFromAChangedDumpFailsTheVerification) {
  TempDir temp;
  ScratchDatabase live("selrepairtamper");
  create_big_note(live.name());
  db::dump_database(snapshot_login(), live.name(), temp / "dump");
  ASSERT_NO_FATAL_FAILURE(change_dump_file(temp / "dump", "20-data-note-00001.sql.zst", "'note 77 ", "'NOTE 77 "));

  run_sql(live.name(), "UPDATE note SET modified = '2026-11-26 00:00:00' WHERE id = 77");
  try {
    db::restore_changed(snapshot_login(), live.name(), temp / "dump");
    ADD_FAILURE() << "a row inserted in place that does not match the dump's checksum must fail the restore";
  } catch (const Error& e) {
    EXPECT_TRUE(is_one_line(e.what())) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum mismatch after restore: table `note` (dump 20000:"),
              std::string::npos)
        << e.what();
  }
}

TEST(SelectiveRestore, UnchangedDatabaseReloadsNoTable) {
  TempDir temp;
  ScratchDatabase live("selsame");
  create_small_site(live.name());
  auto report = restore_after(live.name(), temp / "dump", "");
  EXPECT_TRUE(report.restored_tables.empty());
}

}  // namespace
}  // namespace civiup::test
