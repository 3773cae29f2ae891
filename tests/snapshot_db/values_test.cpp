// Each class of value a CiviCRM database holds, on its own, through a dump and
// a restore into a fresh database: SHOW CREATE and CHECKSUM TABLE must match.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "catalogue.hpp"
#include "snapshot_fixture.hpp"

namespace civiup::test {
namespace {

// Tables whose columns are all integers, DECIMAL, dates or strings are read
// with the binary protocol; their SQL text must be byte for byte what the text
// protocol gives, for the edge values of each type (the row digests of a dump
// and of a restore's verification are computed from that text).
TEST(DumpValues, BinaryProtocolGivesTheTextProtocolsText) {
  TempDir temp;
  ScratchDatabase original("binproto");
  run_sql(original.name(), R"sql(
SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION';
CREATE TABLE edges (id INT PRIMARY KEY, t TINYINT, tu TINYINT UNSIGNED, s SMALLINT, su SMALLINT UNSIGNED,
  m MEDIUMINT, mu MEDIUMINT UNSIGNED, i INT, iu INT UNSIGNED, b BIGINT, bu BIGINT UNSIGNED,
  d DECIMAL(65,30), money DECIMAL(5,2), dt DATE, dtm DATETIME, dt3 DATETIME(3), dt6 DATETIME(6),
  ts TIMESTAMP NULL DEFAULT NULL, ts6 TIMESTAMP(6) NULL DEFAULT NULL, c CHAR(5), v VARCHAR(300) CHARACTER SET utf8mb4,
  txt TEXT, e ENUM('', 'a', 'b'), st SET('x', 'y'), j JSON, fixed BINARY(4), vb VARBINARY(300), bl MEDIUMBLOB,
  lt LONGTEXT);
INSERT INTO edges VALUES
 (1, -128, 255, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808,
  18446744073709551615, -12345678901234567890123456789012345.123456789012345678901234567890, -0.50,
  '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00.000', '0000-00-00 00:00:00.000000',
  '1970-01-01 00:00:01', '2038-01-19 03:14:07.999999', 'ab', '', 'quote \' backslash \\ nul \0 newline \n ctrl-z \Z',
  '', 'x,y', '{"a": [1, "two", null]}', 'ab', '', '', ''),
 (2, 127, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0,
  0.000000000000000000000000000001, 0.00, '1000-01-01', '1000-01-01 00:00:00', '2024-02-29 23:59:59.123',
  '2024-01-01 00:00:00.000001', '2024-05-01 10:00:00', '2024-05-01 10:00:00.000000', 'abcde', 'a', 'é 😀 z',
  'a', 'y', '[]', 0x00FF0000, 0x000102FF, 0xDEADBEEF, 'x'),
 (3, 0, 1, -1, 1, -1, 1, -1, 1, -1, 1, 0, 999.99, '9999-12-31', '9999-12-31 23:59:59', '9999-12-31 23:59:59.999',
  '9999-12-31 23:59:59.999999', NULL, NULL, '', NULL, NULL, 'b', '', NULL, NULL, NULL, NULL, NULL),
 (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2024-02-00', '2024-00-00 10:00:00',
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
-- Values whose length takes 2, 3 and 8 bytes on the wire (over 250 bytes, 64 KB and 16 MB).
INSERT INTO edges (id, v, bl, lt) VALUES (5, REPEAT('v', 300), REPEAT(0xAB, 70000), REPEAT('long ', 3400000));
INSERT INTO edges (id, i, txt, dt3) SELECT 100 + seq, seq * 7919, CONCAT('row ', seq), '2024-01-01 00:00:00.5'
  FROM seq_1_to_2000)sql");

  db::DumpOptions text_options;
  text_options.binary_protocol = false;
  db::dump_database(snapshot_login(), original.name(), temp / "text", text_options);
  auto dir = expect_round_trip(temp, original.name());  // binary, the default
  const std::string binary_sql = dump_text(dir, "20-data-"), text_sql = dump_text(temp / "text", "20-data-");
  EXPECT_GT(binary_sql.size(), 16u << 20);
  {
    db::Session session(snapshot_login(), original.name());
    db::Catalogue catalogue = db::read_catalogue(session, original.name());
    ASSERT_EQ(catalogue.tables.size(), 1u);
    EXPECT_TRUE(catalogue.tables[0].binary_rows) << "every column of `edges` is read with the binary protocol";
  }
  EXPECT_TRUE(binary_sql == text_sql) << "the two protocols' SQL differ";
  for (size_t at = 0, line = 0; at < std::min(binary_sql.size(), text_sql.size()); ++at) {
    if (binary_sql[at] == '\n') ++line;
    if (binary_sql[at] != text_sql[at]) {
      ADD_FAILURE() << "first difference on line " << line << ": binary ..." << binary_sql.substr(at, 80)
                    << "... text ..." << text_sql.substr(at, 80);
      break;
    }
  }
  EXPECT_NE(binary_sql.find("(1,-128,255,-32768,65535,-8388608,16777215,-2147483648,4294967295,"
                            "-9223372036854775808,18446744073709551615,"),
            std::string::npos);
  EXPECT_NE(binary_sql.find("'2024-01-01 00:00:00.000001'"), std::string::npos);
  EXPECT_NE(binary_sql.find("'2024-02-00','2024-00-00 10:00:00'"), std::string::npos);
}

TEST(DumpValues, BinaryEveryByteValueAsHex) {
  TempDir temp;
  auto dir = expect_round_trip_of(temp, "bin", R"sql(
CREATE TABLE bytes (id INT PRIMARY KEY, vb VARBINARY(300), bl BLOB, fixed BINARY(4), bits BIT(12));
INSERT INTO bytes SELECT seq, CHAR(seq USING binary), CHAR(seq USING binary), CHAR(seq USING binary), seq FROM seq_0_to_255;
INSERT INTO bytes SELECT 1000, GROUP_CONCAT(CHAR(seq USING binary) ORDER BY seq SEPARATOR ''),
  GROUP_CONCAT(CHAR(255 - seq USING binary) ORDER BY seq SEPARATOR ''), NULL, NULL FROM seq_0_to_255;
INSERT INTO bytes VALUES (1001, '', '', '', b'0'), (1002, NULL, NULL, NULL, NULL))sql");
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte += fmt::format("{:02X}", b);
  std::string data = dump_text(dir, "20-data-");
  // Numeric columns come first in the dump's rows: (id, bits, vb, bl, fixed).
  EXPECT_NE(data.find("(1000,NULL,0x" + every_byte + ","), std::string::npos) << "every byte, in order, as hex";
  EXPECT_NE(data.find("(1001,0,'','',0x00000000)"), std::string::npos);
}

TEST(DumpValues, ExactNumbersAsTheServerGaveThem) {
  TempDir temp;
  auto dir = expect_round_trip_of(temp, "num", R"sql(
CREATE TABLE numbers (id INT PRIMARY KEY, d DECIMAL(65,30), money DECIMAL(20,2), f FLOAT, dbl DOUBLE,
  big BIGINT UNSIGNED, small BIGINT, y YEAR, tiny TINYINT);
INSERT INTO numbers VALUES
 (1, 12345678901234567890123456789012345.123456789012345678901234567890, 0.10, 0.1, 0.1, 18446744073709551615, -9223372036854775808, 1901, -128),
 (2, -0.000000000000000000000000000001, -99999999999999999.99, 3.40282e38, 1.7976931348623157e308, 0, 9223372036854775807, 2155, 127),
 (3, 0, 0, 1.17549e-38, 4.9e-324, 1, -1, 0, 0),
 (4, 1, 1, -0.0, 1e-300, 42, 42, 2000, 1),
 (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO numbers SELECT 100 + seq, seq / 7, seq / 3, seq / 7, seq / 7, seq, -seq, 1901 + seq, seq % 100 FROM seq_1_to_200)sql");
  std::string data = dump_text(dir, "20-data-");
  EXPECT_NE(data.find("12345678901234567890123456789012345.123456789012345678901234567890"), std::string::npos);
  EXPECT_NE(data.find("-0.000000000000000000000000000001"), std::string::npos);
  EXPECT_NE(data.find("18446744073709551615,-9223372036854775808"), std::string::npos);
}

TEST(DumpValues, NullIsNotTheEmptyString) {
  TempDir temp;
  ScratchDatabase original("null");
  run_sql(original.name(), R"sql(
CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(10), b BLOB, e ENUM('', 'a'), txt TEXT);
INSERT INTO t VALUES (1, NULL, NULL, NULL, NULL), (2, '', '', '', ''), (3, 'NULL', 'NULL', 'a', '\\N'))sql");
  expect_round_trip(temp, original.name());
  ScratchDatabase copy("nullcopy");
  auto dir = temp / "again";
  db::dump_database(snapshot_login(), original.name(), dir);
  db::restore_database(snapshot_login(), copy.name(), dir);
  auto connection = copy.connect();
  EXPECT_EQ(query_column(*connection,
                         "SELECT CONCAT_WS(',', id, s IS NULL, b IS NULL, e IS NULL, txt IS NULL, "
                         "LENGTH(s), LENGTH(b), txt) FROM t ORDER BY id"),
            (std::vector<std::string>{"1,1,1,1,1", "2,0,0,0,0,0,0,", "3,0,0,0,0,4,4,\\N"}));
}

TEST(DumpValues, FourByteUtf8) {
  TempDir temp;
  expect_round_trip_of(temp, "utf8", R"sql(
CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20) COMMENT 'emoji 😀 in a comment', txt MEDIUMTEXT,
  legacy VARCHAR(20) CHARACTER SET utf8mb3) COMMENT 'table 𝄞';
INSERT INTO t VALUES (1, '😀🎉𝄞', CONCAT(REPEAT('𠜎', 1000), ' quote '' backslash \\ newline \n tab \t'), 'ßäö€'),
  (2, 'ascii', 'a\0b', ''))sql");
}

TEST(DumpValues, ZeroDatesUnderTheOriginalSqlMode) {
  TempDir temp;
  expect_round_trip_of(temp, "zero", R"sql(
SET SESSION sql_mode = '';
CREATE TABLE t (id INT PRIMARY KEY, d DATE NOT NULL DEFAULT '0000-00-00', dt DATETIME(3) DEFAULT '0000-00-00 00:00:00.000',
  ts TIMESTAMP NULL DEFAULT '0000-00-00 00:00:00', part DATE, tm TIME(6), y YEAR);
INSERT INTO t VALUES (1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '2020-00-15', '-838:59:59.000000', 0),
  (2, '2020-02-29', '1000-01-01 00:00:00.001', '2038-01-19 03:14:07', '2020-01-00', '12:34:56.789012', 1999);
INSERT INTO t (id) VALUES (3))sql");
}

TEST(DumpValues, Json) {
  TempDir temp;
  expect_round_trip_of(temp, "json", R"sql(
CREATE TABLE t (id INT PRIMARY KEY, j JSON, settings LONGTEXT CHECK (JSON_VALID(settings)));
INSERT INTO t VALUES (1, '{"a": [1, 2.50, "x\\"y"], "emoji": "😀", "u": "\\u00e9", "nested": {"null": null}}', '[]'),
  (2, NULL, '{"path": "C:\\\\dir\\\\file", "nl": "a\\nb"}'))sql");
}

TEST(DumpValues, GeneratedAndInvisibleColumns) {
  TempDir temp;
  auto dir = expect_round_trip_of(temp, "gen", R"sql(
CREATE TABLE t (id INT PRIMARY KEY, a INT, doubled INT AS (a * 2) VIRTUAL, next INT AS (a + 1) STORED,
  hidden INT INVISIBLE DEFAULT 7, name VARCHAR(10), upper_name VARCHAR(10) AS (UPPER(name)) PERSISTENT,
  KEY (next));
INSERT INTO t (id, a, hidden, name) VALUES (1, 10, 1, 'x'), (2, NULL, NULL, NULL), (3, -5, 99, 'abc'))sql");
  std::string data = dump_text(dir, "20-data-");
  EXPECT_NE(data.find("(`id`,`a`,`hidden`,`name`)"), std::string::npos) << "generated columns left out, invisible in";
}

TEST(DumpValues, Partitions) {
  TempDir temp;
  expect_round_trip_of(temp, "part", R"sql(
CREATE TABLE by_range (id INT NOT NULL, created DATE NOT NULL, PRIMARY KEY (id, created))
  PARTITION BY RANGE (YEAR(created)) (PARTITION p2019 VALUES LESS THAN (2020), PARTITION p2020 VALUES LESS THAN (2021),
  PARTITION pmax VALUES LESS THAN MAXVALUE);
CREATE TABLE by_hash (id INT PRIMARY KEY, v VARCHAR(10)) PARTITION BY HASH (id) PARTITIONS 4;
INSERT INTO by_range SELECT seq, '2018-06-01' + INTERVAL seq DAY FROM seq_1_to_1500;
INSERT INTO by_hash SELECT seq, seq FROM seq_1_to_100)sql");
}

TEST(DumpValues, SystemVersionedTableKeepsItsHistory) {
  TempDir temp;
  expect_round_trip_of(temp, "hist", R"sql(
CREATE TABLE implicit_period (id INT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING;
CREATE TABLE explicit_period (id INT PRIMARY KEY, v VARCHAR(10),
  valid_from TIMESTAMP(6) AS ROW START INVISIBLE, valid_to TIMESTAMP(6) AS ROW END INVISIBLE,
  PERIOD FOR SYSTEM_TIME (valid_from, valid_to)) WITH SYSTEM VERSIONING;
INSERT INTO implicit_period VALUES (1, 1), (2, 2), (3, 3);
UPDATE implicit_period SET v = v + 10 WHERE id < 3;
DELETE FROM implicit_period WHERE id = 3;
INSERT INTO explicit_period (id, v) VALUES (1, 'a'), (2, 'b');
UPDATE explicit_period SET v = 'c' WHERE id = 1)sql");
}

TEST(DumpValues, DefinitionsAutoIncrementCommentsForeignKeysCharsets) {
  TempDir temp;
  ScratchDatabase original("ddl");
  run_sql(original.name(), R"sql(
ALTER DATABASE CHARACTER SET latin1 COLLATE latin1_swedish_ci;
CREATE TABLE parent (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY COMMENT 'the id; it''s \\ "quoted"',
  name VARCHAR(64) CHARACTER SET latin1 COLLATE latin1_german2_ci NOT NULL DEFAULT '',
  UNIQUE KEY UI_name (name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3 COLLATE=utf8mb3_unicode_ci COMMENT='Parents; see ''child''';
CREATE TABLE child (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, parent_id INT UNSIGNED, other_id INT UNSIGNED,
  note TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
  KEY FK_child_parent (parent_id), FULLTEXT KEY ft_note (note),
  CONSTRAINT FK_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE,
  CONSTRAINT FK_child_other FOREIGN KEY (other_id) REFERENCES parent (id) ON DELETE SET NULL ON UPDATE CASCADE)
  ENGINE=InnoDB ROW_FORMAT=DYNAMIC;
INSERT INTO parent (name) SELECT CONCAT('p', seq) FROM seq_1_to_50;
INSERT INTO child (parent_id, other_id, note) SELECT 1 + seq % 50, NULL, CONCAT('note ', seq) FROM seq_1_to_300;
DELETE FROM parent WHERE id > 40;
ALTER TABLE parent AUTO_INCREMENT = 1000)sql");
  const std::string restored = original.name() + "_new";
  db::dump_database(snapshot_login(), original.name(), temp / "dump");
  auto report = db::restore_database(snapshot_login(), restored, temp / "dump");
  EXPECT_TRUE(report.created_database);
  Fingerprint copy = database_fingerprint(restored);
  expect_same_image(database_fingerprint(original.name()), copy);
  EXPECT_NE(copy["table parent"].find("AUTO_INCREMENT=1000"), std::string::npos);
  if (!::testing::Test::HasFailure()) execute(*connect(), "DROP DATABASE `" + restored + "`");
}

}  // namespace
}  // namespace civiup::test
