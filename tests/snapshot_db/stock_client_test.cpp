// The documented manual restore: the whole dump loads with stock tools in one
// command, `zstdcat DIR/*.sql.zst | mariadb --comments DB`, and gives back the
// original.  Without --comments the client strips comments from routine bodies.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "snapshot_fixture.hpp"
#include "support/process.hpp"

namespace civiup::test {
namespace {

TEST(StockClient, OneLineRestoreEqualsTheOriginal) {
  TempDir temp;
  ScratchDatabase original("stock");
  run_sql(original.name(), R"sql(
CREATE TABLE contact (id INT UNSIGNED AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64) COMMENT 'name 😀',
  photo BLOB, created DATETIME NOT NULL DEFAULT '0000-00-00 00:00:00', amount DECIMAL(20,4), f FLOAT,
  hidden INT INVISIBLE, upper_name VARCHAR(64) AS (UPPER(name)) VIRTUAL, KEY (name)) AUTO_INCREMENT = 500;
CREATE TABLE activity (id INT PRIMARY KEY, contact_id INT UNSIGNED, subject TEXT,
  CONSTRAINT FK_activity_contact FOREIGN KEY (contact_id) REFERENCES contact (id) ON DELETE CASCADE);
CREATE TABLE history (id INT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING;
INSERT INTO contact (id, name, photo, created, amount, f, hidden) SELECT seq, CONCAT('Ünïcødé 😀 ', seq, ' it''s "x" \\ \n'),
  UNHEX(MD5(seq)), IF(seq % 7 = 0, '0000-00-00 00:00:00', '2020-01-01' + INTERVAL seq MINUTE), seq / 3, seq / 7, seq
  FROM seq_1_to_3000;
INSERT INTO activity SELECT seq, 1 + seq % 3000, REPEAT('subject; ', seq % 20) FROM seq_1_to_5000;
INSERT INTO history VALUES (1, 1), (2, 2);
UPDATE history SET v = 3 WHERE id = 1;
CREATE VIEW z_contacts AS SELECT id, name FROM contact;
CREATE VIEW a_named AS SELECT name FROM z_contacts WHERE id < 10;
CREATE TRIGGER activity_bi BEFORE INSERT ON activity FOR EACH ROW SET NEW.subject = CONCAT('[', NEW.subject, ']');
CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2 /* a comment the client must keep */;
CREATE EVENT cleanup ON SCHEDULE EVERY 1 DAY STARTS '2030-01-01 00:00:00' DISABLE DO DELETE FROM activity WHERE id < 0)sql");
  db::dump_database(snapshot_login(), original.name(), temp / "dump");

  ScratchDatabase copy("stockcopy");
  const TestServer& server = require_test_server();
  ProcessOptions options;
  options.extra_env["MYSQL_PWD"] = server.password;
  options.extra_env["DUMP"] = (temp / "dump").string();
  // Exactly the documented command, with the connection options any site needs.
  std::string command = fmt::format("zstdcat \"$DUMP\"/*.sql.zst | mariadb --comments -h {} -P {} -u {} {}",
                                    server.host, server.port, server.user, copy.name());
  ProcessResult result = run_process({"sh", "-c", command}, options);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  expect_same_image(database_fingerprint(original.name()), database_fingerprint(copy.name()));
}

}  // namespace
}  // namespace civiup::test
