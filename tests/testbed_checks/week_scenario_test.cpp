// The "rollback a week later" scenario's parts (scripts/bench upgrade, case
// week): a site with one big table the upgrade never touches, the stand-in
// upgrade leaving it alone, and a week of work spread over it.
#include <gtest/gtest.h>

#include <memory>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "generated_site.hpp"
#include "support/process.hpp"
#include "testbed/civicrm_schema.hpp"
#include "testbed/sql_session.hpp"

namespace civiup::test {
namespace {

namespace fs = std::filesystem;

uint64_t as_number(const std::string& text) { return std::stoull(text); }

// CHECKSUM TABLE's second column: a digest of every row.
std::string table_checksum(const std::string& database, const std::string& table) {
  auto connection = connect(database);
  std::unique_ptr<sql::Statement> statement(connection->createStatement());
  std::unique_ptr<sql::ResultSet> rows(statement->executeQuery("CHECKSUM TABLE `" + table + "` EXTENDED"));
  if (!rows->next()) throw std::runtime_error("CHECKSUM TABLE " + table + ": no row");
  return rows->getString(2);
}

// More rows than one load statement takes, so both connections load some.
constexpr uint64_t kRows = 110000;

TEST(WeekScenario, ABigTableCountedInTheSizeUntouchedByTheUpgradeThenAWeekOfWork) {
  testbed::SiteSpec spec;
  spec.civicrm_data_bytes = 50'000'000;
  spec.big_table_rows = kRows;
  GeneratedSite site(spec);
  const std::string table = testbed::kCiviCrmBigTable;

  // Every id once, its secondary keys, and its bytes taken from the contacts' share.
  EXPECT_EQ(site.civicrm_value(
                fmt::format("SELECT CONCAT_WS(' ', COUNT(*), COUNT(DISTINCT id), MIN(id), MAX(id)) FROM {}", table)),
            fmt::format("{0} {0} 1 {0}", kRows));
  EXPECT_EQ(
      site.civicrm_value("SELECT COUNT(DISTINCT INDEX_NAME) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA ="
                         " DATABASE() AND TABLE_NAME = '" +
                         table + "' AND INDEX_NAME <> 'PRIMARY'"),
      "5");
  EXPECT_EQ(as_number(site.civicrm_value("SELECT COUNT(*) FROM civicrm_contact")),
            testbed::civicrm_contact_count(spec.civicrm_data_bytes - kRows * testbed::kCiviCrmBigTableBytesPerRow));
  site.civicrm("ANALYZE TABLE " + table);
  const uint64_t table_bytes =
      as_number(site.civicrm_value("SELECT DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES WHERE "
                                   "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '" +
                                   table + "'"));
  EXPECT_GT(table_bytes, kRows * testbed::kCiviCrmBigTableBytesPerRow / 2);
  EXPECT_LT(table_bytes, kRows * testbed::kCiviCrmBigTableBytesPerRow * 2);
  // The site's own account reads and writes it, as the other tables.
  testbed::SqlSession owner(site.site().account, site.site().civicrm_db);
  owner.run("UPDATE " + table + " SET currency = currency WHERE id = 1");

  // The stand-in upgrade changes neither its rows nor its definition.
  auto checksum = [&] { return table_checksum(site.site().civicrm_db, table); };
  const std::string create_query =
      "SELECT CONCAT_WS(' ', COLUMN_NAME, COLUMN_TYPE) FROM information_schema.COLUMNS"
      " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '" +
      table + "' ORDER BY ORDINAL_POSITION";
  const std::string before_checksum = checksum();
  const std::vector<std::string> before_columns = site.civicrm(create_query);
  fs::remove_all(site.root() / "modules" / "civicrm");
  testbed::ReleaseSpec release;
  release.version = "5.75.0";
  testbed::write_release_tree(site.root() / "modules", release);
  ProcessOptions in_root;
  in_root.cwd = site.root();
  const ProcessResult upgrade = run_process({testbed_binary(), "upgrade-db", "--no-interaction"}, in_root);
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.out << upgrade.err;
  ASSERT_EQ(site.civicrm_value("SELECT version FROM civicrm_domain"), "5.75.0");
  EXPECT_EQ(checksum(), before_checksum);
  EXPECT_EQ(site.civicrm(create_query), before_columns);

  // A week of work: 50 contacts with their rows, 1,000 big-table rows from the
  // first to the last key, Backdrop's tables and its config.
  const uint64_t contacts = as_number(site.civicrm_value("SELECT MAX(id) FROM civicrm_contact"));
  const size_t nodes = site.backdrop("SELECT nid FROM node").size();
  const ProcessResult week =
      run_process({testbed_binary(), "week-of-work", "--root", site.root().string(), "--civicrm-db",
                   site.site().civicrm_db, "--backdrop-db", site.site().backdrop_db});
  ASSERT_EQ(week.exit_code, 0) << week.out << week.err;
  EXPECT_NE(week.out.find("\"big_table_rows_changed\":1000"), std::string::npos) << week.out;
  EXPECT_EQ(site.civicrm_value(fmt::format(
                "SELECT CONCAT_WS(' ', COUNT(*), MIN(id), MAX(id)) FROM civicrm_contact WHERE id > {}", contacts)),
            fmt::format("50 {} {}", contacts + 1, contacts + 50));
  EXPECT_EQ(site.civicrm_value(fmt::format("SELECT COUNT(*) FROM civicrm_email WHERE contact_id > {}", contacts)),
            "100");
  EXPECT_EQ(site.civicrm_value(fmt::format("SELECT COUNT(*) FROM civicrm_activity_contact WHERE contact_id > {}"
                                           " AND record_type_id = 3",
                                           contacts)),
            "100");
  EXPECT_EQ(
      site.civicrm_value(fmt::format("SELECT COUNT(*) FROM civicrm_contribution WHERE contact_id > {}", contacts)),
      "50");
  const std::string changed = "FROM " + table + " WHERE trxn_result_code LIKE 'week of work: refunded %'";
  EXPECT_EQ(site.civicrm_value("SELECT CONCAT_WS(' ', COUNT(*), MIN(id), MAX(id)) " + changed),
            fmt::format("1000 1 {}", kRows));
  // Spread over the whole range: every tenth of the keys has some.
  EXPECT_EQ(site.civicrm_value(fmt::format("SELECT COUNT(DISTINCT (id - 1) * 10 DIV {}) {}", kRows, changed)), "10");
  EXPECT_EQ(site.backdrop("SELECT nid FROM node").size(), nodes + 2);
  EXPECT_EQ(site.backdrop("SELECT name FROM users WHERE name = 'week-editor'").size(), 1u);
  EXPECT_EQ(site.backdrop("SELECT value FROM state WHERE name = 'cron_last'"),
            std::vector<std::string>{"i:1716003600;"});
  const std::string core = read_file(site.site().config_dir / "system.core.json");
  EXPECT_NE(core.find("\"site_slogan\": \"A week after the upgrade\""), std::string::npos) << core;
  EXPECT_NE(core.find("\"_config_name\": \"system.core\""), std::string::npos) << core;
}

}  // namespace
}  // namespace civiup::test
