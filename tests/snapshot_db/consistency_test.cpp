// A dump taken while another connection writes in transactions is one
// consistent point: money moved between two tables, dumped by two workers,
// still adds up in the dump.
#include <atomic>
#include <thread>

#include <unistd.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "snapshot_fixture.hpp"

namespace civiup::test {
namespace {

TEST(DumpConsistency, TransfersBetweenTwoTablesKeepTheSumInTheDump) {
  TempDir temp;
  ScratchDatabase live("bank");
  run_sql(live.name(), R"sql(
CREATE TABLE checking (id INT PRIMARY KEY, balance BIGINT NOT NULL, padding VARCHAR(200));
CREATE TABLE savings (id INT PRIMARY KEY, balance BIGINT NOT NULL, padding VARCHAR(200));
CREATE TABLE transfer (id INT AUTO_INCREMENT PRIMARY KEY, amount INT);
INSERT INTO checking SELECT seq, 1000, REPEAT('c', 200) FROM seq_1_to_40000;
INSERT INTO savings SELECT seq, 1000, REPEAT('s', 200) FROM seq_1_to_40000;
ANALYZE TABLE checking, savings)sql");  // DATA_LENGTH plans the key ranges
  const std::string total = "80000000";

  std::atomic<bool> stop{false};
  std::atomic<int> transfers{0};
  std::thread writer([&] {
    auto connection = live.connect();
    connection->setAutoCommit(false);
    for (int i = 0; !stop; ++i) {
      int id = 1 + (i * 7919) % 40000;
      execute(*connection, fmt::format("UPDATE checking SET balance = balance - 10 WHERE id = {}", id));
      execute(*connection, fmt::format("UPDATE savings SET balance = balance + 10 WHERE id = {}", 40001 - id));
      execute(*connection, "INSERT INTO transfer (amount) VALUES (10)");
      connection->commit();
      ++transfers;
    }
  });
  while (transfers < 20) std::this_thread::yield();
  db::DumpOptions options;
  options.jobs = 2;
  options.chunk_bytes = 1 << 20;  // key ranges too, so the two tables are read in pieces by both workers
  auto manifest = db::dump_database(snapshot_login(), live.name(), temp / "dump", options);
  int during = transfers;
  stop = true;
  writer.join();
  ASSERT_GT(transfers - during, 0) << "the writer kept writing while the dump ran";
  EXPECT_GT(transfers.load(), 20);

  ScratchDatabase copy("bankcopy");
  db::restore_database(snapshot_login(), copy.name(), temp / "dump");  // verifies the manifest's checksums
  auto connection = copy.connect();
  EXPECT_EQ(
      query_column(*connection, "SELECT (SELECT SUM(balance) FROM checking) + (SELECT SUM(balance) FROM savings)"),
      std::vector<std::string>{total});
  EXPECT_EQ(
      query_column(*connection, "SELECT (SELECT SUM(balance) FROM savings) - 40000000 - 10 * COUNT(*) FROM transfer"),
      std::vector<std::string>{"0"})
      << "the transfer log is of the same point as the balances";
}

// Without RELOAD (a site's own account: ALL on its databases only) the
// workers of TWO databases open their snapshots under one LOCK TABLES: money
// moved between a table of each, in one transaction, still adds up across
// the two dumps.
TEST(DumpConsistency, TransfersBetweenTwoDatabasesKeepTheSumWithoutReload) {
  TempDir temp;
  ScratchDatabase one("bank1"), two("bank2");
  run_sql(one.name(), R"sql(
CREATE TABLE checking (id INT PRIMARY KEY, balance BIGINT NOT NULL, padding VARCHAR(200));
INSERT INTO checking SELECT seq, 1000, REPEAT('c', 200) FROM seq_1_to_20000;
CREATE VIEW rich AS SELECT id FROM checking WHERE balance > 1000;
ANALYZE TABLE checking)sql");
  run_sql(two.name(), R"sql(
CREATE TABLE savings (id INT PRIMARY KEY, balance BIGINT NOT NULL, padding VARCHAR(200));
INSERT INTO savings SELECT seq, 1000, REPEAT('s', 200) FROM seq_1_to_20000;
ANALYZE TABLE savings)sql");
  auto admin = one.connect();
  const std::string user = fmt::format("snap_site{}", ::getpid() % 100000);
  execute(*admin, fmt::format("CREATE OR REPLACE USER '{}'@'%' IDENTIFIED BY 'pw'", user));
  for (const auto* database : {&one, &two})
    execute(*admin, fmt::format("GRANT ALL ON `{}`.* TO '{}'@'%'", database->name(), user));
  db::DatabaseLogin login = snapshot_login();
  login.user = user;
  login.password = "pw";

  std::atomic<bool> stop{false};
  std::atomic<int> transfers{0};
  std::thread writer([&] {
    auto connection = one.connect();
    connection->setAutoCommit(false);
    for (int i = 0; !stop; ++i) {
      int id = 1 + (i * 7919) % 20000;
      execute(*connection,
              fmt::format("UPDATE `{}`.checking SET balance = balance - 10 WHERE id = {}", one.name(), id));
      execute(*connection, fmt::format("UPDATE `{}`.savings SET balance = balance + 10 WHERE id = {}", two.name(), id));
      connection->commit();
      ++transfers;
    }
  });
  while (transfers < 20) std::this_thread::yield();
  db::DumpOptions options;
  options.jobs = 2;
  options.chunk_bytes = 1 << 20;
  auto manifests =
      db::dump_databases({{login, one.name(), temp / "one", {}}, {login, two.name(), temp / "two", {}}}, options);
  int during = transfers;
  stop = true;
  writer.join();
  ASSERT_GT(transfers - during, 0) << "the writer kept writing while the dumps ran";
  for (const auto& manifest : manifests) {
    EXPECT_NE(manifest.consistency.find("LOCK TABLES ... READ"), std::string::npos) << manifest.consistency;
    EXPECT_NE(manifest.consistency.find("one point for databases"), std::string::npos) << manifest.consistency;
  }

  ScratchDatabase copy_one("bankcopy1"), copy_two("bankcopy2");
  db::restore_database(snapshot_login(), copy_one.name(), temp / "one");
  db::restore_database(snapshot_login(), copy_two.name(), temp / "two");
  auto connection = copy_one.connect();
  EXPECT_EQ(query_column(*connection, fmt::format("SELECT (SELECT SUM(balance) FROM checking) + (SELECT SUM(balance) "
                                                  "FROM `{}`.savings)",
                                                  copy_two.name())),
            std::vector<std::string>{"40000000"})
      << "the two databases were dumped at different points";
  execute(*admin, fmt::format("DROP USER '{}'@'%'", user));
}

}  // namespace
}  // namespace civiup::test
