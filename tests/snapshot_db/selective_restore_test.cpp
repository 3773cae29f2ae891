// Selective restore: after changes to the live database, only what differs is
// reloaded, what the dump lacks is dropped, and the result equals the original.
#include <algorithm>

#include <gtest/gtest.h>

#include "civiup/snapshot/error.hpp"
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
void change_like_an_upgrade(const std::string& database) {
  run_sql(database, R"sql(
UPDATE setting SET value = '5.75.0' WHERE name = 'version';
CREATE TABLE new_feature (id INT PRIMARY KEY);
INSERT INTO new_feature VALUES (1);
ALTER TABLE email ADD COLUMN is_primary TINYINT NOT NULL DEFAULT 0;
DROP VIEW first_contacts;
DROP FUNCTION version_of;
CREATE FUNCTION version_of() RETURNS TEXT READS SQL DATA RETURN 'changed';
CREATE PROCEDURE upgrade_helper() SELECT 1;
DROP TRIGGER contact_ai)sql");
}

TEST(SelectiveRestore, ReloadsOnlyWhatChangedAndGivesBackTheOriginal) {
  TempDir temp;
  ScratchDatabase live("sel");
  create_small_site(live.name());
  DatabaseImage before = describe_database(live.name());
  db::dump_database(snapshot_login(), live.name(), temp / "dump");

  change_like_an_upgrade(live.name());
  auto report = db::restore_changed(snapshot_login(), live.name(), temp / "dump");

  expect_same_image(before, describe_database(live.name()));
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
  DatabaseImage before = describe_database(live.name());
  db::dump_database(snapshot_login(), live.name(), temp / "dump");
  run_sql(live.name(), "UPDATE contact SET name = 'changed' WHERE id = 1500");

  db::RestoreOptions options;
  options.trust_update_time = false;
  auto report = db::restore_changed(snapshot_login(), live.name(), temp / "dump", options);
  expect_same_image(before, describe_database(live.name()));
  EXPECT_EQ(report.restored_tables, std::vector<std::string>{"contact"});
  EXPECT_EQ(sorted(report.checksummed_tables), (std::vector<std::string>{"contact", "contact", "email", "log",
                                                                         "setting"}))
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
  DatabaseImage before = describe_database(live.name());
  ASSERT_GT(dump_in_key_ranges(live.name(), temp / "dump"), 2u);

  run_sql(live.name(), "ALTER TABLE note ADD COLUMN added INT;\nUPDATE note SET body = 'changed' WHERE id = 7");
  auto report = db::restore_changed(snapshot_login(), live.name(), temp / "dump");
  EXPECT_EQ(report.restored_tables, std::vector<std::string>{"note"});
  expect_same_image(before, describe_database(live.name()));
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
  try {
    db::restore_changed(snapshot_login(), live.name(), temp / "dump");
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

TEST(SelectiveRestore, UnchangedDatabaseReloadsNoTable) {
  TempDir temp;
  ScratchDatabase live("selsame");
  create_small_site(live.name());
  DatabaseImage before = describe_database(live.name());
  db::dump_database(snapshot_login(), live.name(), temp / "dump");
  auto report = db::restore_changed(snapshot_login(), live.name(), temp / "dump");
  EXPECT_TRUE(report.restored_tables.empty());
  expect_same_image(before, describe_database(live.name()));
}

}  // namespace
}  // namespace civiup::test
