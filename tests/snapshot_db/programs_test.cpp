// Views, triggers, routines and events: each comes back with its definition,
// its DEFINER and the sql_mode and character-set context it was created in.
#include <gtest/gtest.h>

#include "snapshot_fixture.hpp"

namespace civiup::test {
namespace {

// A definer that is not the user taking the dump.
void create_definer() {
  auto connection = connect();
  execute(*connection, "CREATE USER IF NOT EXISTS 'snap_definer'@'%'");
  execute(*connection, "GRANT ALL PRIVILEGES ON *.* TO 'snap_definer'@'%'");
}

TEST(DumpPrograms, ViewsOnViewsLoadInDependencyOrder) {
  TempDir temp;
  ScratchDatabase original("views");
  create_definer();
  // Name order is the reverse of dependency order: a_top -> m_mid -> z_base -> contact.
  run_sql(original.name(), R"sql(
CREATE TABLE contact (id INT PRIMARY KEY, name VARCHAR(20), amount DECIMAL(10,2));
INSERT INTO contact VALUES (1, 'a', 1.50), (2, 'b', 2.25);
CREATE DEFINER = 'snap_definer'@'%' SQL SECURITY INVOKER VIEW z_base AS SELECT id, name, amount * 2 AS doubled FROM contact;
CREATE ALGORITHM = MERGE VIEW m_mid AS SELECT id, CONCAT(name, '😀') AS label, doubled FROM z_base WHERE id > 0 WITH CHECK OPTION;
CREATE ALGORITHM = TEMPTABLE VIEW a_top (ident, total) AS SELECT COUNT(id), SUM(doubled) FROM m_mid;
CREATE VIEW b_join AS SELECT t.ident, c.name FROM a_top t JOIN contact c ON c.id = t.ident)sql");
  ScratchDatabase copy("viewcopy");
  expect_round_trip_into(temp, original.name(), copy);
  EXPECT_EQ(query_column(*copy.connect(), "SELECT CONCAT(ident, ' ', total) FROM a_top"),
            std::vector<std::string>{"2 7.50"});
}

TEST(DumpPrograms, TriggersKeepOrderDefinerAndSqlMode) {
  TempDir temp;
  ScratchDatabase original("trig");
  create_definer();
  run_sql(original.name(), R"sql(
CREATE TABLE contact (id INT PRIMARY KEY, name VARCHAR(40), log VARCHAR(200) DEFAULT '')
//
CREATE TABLE contact_log (id INT AUTO_INCREMENT PRIMARY KEY, contact_id INT, what VARCHAR(200))
//
INSERT INTO contact (id, name) VALUES (1, 'before triggers')
//
SET SESSION sql_mode = 'PIPES_AS_CONCAT,ANSI_QUOTES'
//
CREATE DEFINER = 'snap_definer'@'%' TRIGGER contact_bi BEFORE INSERT ON contact FOR EACH ROW
  SET NEW.log = NEW.log || 'first;'
//
CREATE TRIGGER contact_bi2 BEFORE INSERT ON contact FOR EACH ROW FOLLOWS contact_bi
  SET NEW.log = NEW.log || 'second; "quoted"'
//
SET SESSION sql_mode = 'STRICT_ALL_TABLES'
//
CREATE TRIGGER contact_bi0 BEFORE INSERT ON contact FOR EACH ROW PRECEDES contact_bi
  SET NEW.log = CONCAT(NEW.log, 'zero;')
//
CREATE TRIGGER contact_au AFTER UPDATE ON contact FOR EACH ROW
BEGIN
  DECLARE message VARCHAR(100) DEFAULT 'a;;b $$ //';
  INSERT INTO contact_log (contact_id, what) VALUES (NEW.id, CONCAT(message, ' ', OLD.name, '->', NEW.name));
END)sql",
          "\n//\n");
  ScratchDatabase copy("trigcopy");
  expect_round_trip_into(temp, original.name(), copy);
  auto connection = copy.connect();
  EXPECT_EQ(query_column(*connection, "SELECT log FROM contact"), std::vector<std::string>{""})
      << "triggers are created after the data, which they must not touch";
  execute(*connection, "INSERT INTO contact (id, name) VALUES (2, 'new')");
  execute(*connection, "UPDATE contact SET name = 'renamed' WHERE id = 1");
  EXPECT_EQ(query_column(*connection, "SELECT log FROM contact WHERE id = 2"),
            std::vector<std::string>{"zero;first;second; \"quoted\""});
  EXPECT_EQ(query_column(*connection, "SELECT what FROM contact_log"),
            std::vector<std::string>{"a;;b $$ // before triggers->renamed"});
}

TEST(DumpPrograms, FunctionsAndProceduresKeepDefinerAndSqlMode) {
  TempDir temp;
  ScratchDatabase original("rout");
  create_definer();
  run_sql(original.name(), R"sql(
CREATE TABLE t (id INT PRIMARY KEY, phone VARCHAR(40))
//
INSERT INTO t VALUES (1, '+1 (555) 010-9999')
//
SET SESSION sql_mode = 'PIPES_AS_CONCAT'
//
CREATE DEFINER = 'snap_definer'@'%' FUNCTION joined(a VARCHAR(10), b VARCHAR(10)) RETURNS VARCHAR(20)
  DETERMINISTIC COMMENT 'uses || as concat' RETURN a || b
//
SET SESSION sql_mode = 'STRICT_TRANS_TABLES,NO_ZERO_DATE'
//
CREATE FUNCTION civicrm_strip_non_numeric(input VARCHAR(255)) RETURNS VARCHAR(255) CHARSET utf8mb4
  NO SQL DETERMINISTIC
BEGIN
  DECLARE output VARCHAR(255) DEFAULT '';
  DECLARE iterator INT DEFAULT 1;
  -- a comment ; inside the body
  WHILE iterator < (LENGTH(input) + 1) DO
    IF SUBSTRING(input, iterator, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') THEN
      SET output = CONCAT(output, SUBSTRING(input, iterator, 1));
    END IF;
    SET iterator = iterator + 1;
  END WHILE;
  RETURN output;
END
//
CREATE PROCEDURE count_rows(IN minimum INT, OUT total INT) SQL SECURITY INVOKER
BEGIN
  /* a block comment; with ;; inside */
  SELECT COUNT(*) INTO total FROM t WHERE id >= minimum;
END)sql",
          "\n//\n");
  ScratchDatabase copy("routcopy");
  expect_round_trip_into(temp, original.name(), copy);
  auto connection = copy.connect();
  EXPECT_EQ(query_column(*connection, "SELECT joined('ab', 'cd')"), std::vector<std::string>{"abcd"});
  EXPECT_EQ(query_column(*connection, "SELECT civicrm_strip_non_numeric(phone) FROM t"),
            std::vector<std::string>{"15550109999"});
}

TEST(DumpPrograms, EventsKeepScheduleTimeZoneAndStatus) {
  TempDir temp;
  ScratchDatabase original("event");
  create_definer();
  run_sql(original.name(), R"sql(
CREATE TABLE t (id INT PRIMARY KEY);
SET SESSION time_zone = '+05:30', sql_mode = 'ANSI_QUOTES';
CREATE DEFINER = 'snap_definer'@'%' EVENT purge_later ON SCHEDULE AT '2030-01-01 00:00:00'
  ON COMPLETION PRESERVE DISABLE COMMENT 'disabled; kept' DO DELETE FROM "t" WHERE id < 0;
SET SESSION time_zone = '+00:00', sql_mode = DEFAULT;
CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY STARTS '2030-06-01 03:00:00' ENDS '2031-01-01 00:00:00'
  DO BEGIN DELETE FROM t WHERE id < 0; DELETE FROM t WHERE id > 1000000; END)sql");
  expect_round_trip(temp, original.name());
}

}  // namespace
}  // namespace civiup::test
