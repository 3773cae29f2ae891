// The maintenance window does not hold the full database dump: it is taken
// online (pre-snapshot-databases) and the window dumps only what changed since,
// after the site's open transactions have finished (or a bound has passed).
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <algorithm>

#include "civiup/snapshot/db/dump_manifest.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

std::vector<std::string> phase_names(const nlohmann::json& out) {
  std::vector<std::string> names;
  for (const auto& phase : out["phases"]) names.push_back(phase["name"].get<std::string>());
  return names;
}

TEST_F(UpgradeTest, TheWindowDumpsDeltasOfTheOnlinePreSnapshot) {
  ProcessResult result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  std::vector<std::string> names = phase_names(json_of(result));
  auto pre = std::find(names.begin(), names.end(), "pre-snapshot-databases");
  ASSERT_NE(pre, names.end());
  EXPECT_LT(pre, std::find(names.begin(), names.end(), "maintenance-on")) << "the full dump is taken online";

  size_t runs = 0;
  for (const auto& run : fs::directory_iterator(state_dir() / "dumps")) {
    auto civicrm = snapshot::db::load_manifest(run.path() / "civicrm");
    auto backdrop = snapshot::db::load_manifest(run.path() / "backdrop");
    EXPECT_FALSE(civicrm.base_dump.empty()) << "CiviCRM's database was dumped in full inside the window";
    EXPECT_FALSE(backdrop.base_dump.empty()) << "Backdrop's database was dumped in full inside the window";
    // Nothing wrote to CiviCRM's tables since the pre-snapshot; maintenance-on
    // wrote Backdrop's state and cache tables, and only those are dumped again.
    EXPECT_EQ(civicrm.reused_tables.size(), civicrm.tables.size());
    EXPECT_GT(backdrop.reused_tables.size(), 0u);
    EXPECT_LT(backdrop.reused_tables.size(), backdrop.tables.size());
    ++runs;
  }
  EXPECT_EQ(runs, 1u);
  EXPECT_TRUE(!fs::exists(state_dir() / "pre-dumps") || fs::is_empty(state_dir() / "pre-dumps"))
      << "the pre-snapshot is deleted once the deltas stand alone";
}

// Seeing other sessions' transactions needs PROCESS, and an open transaction
// would hold up a LOCK TABLES point: the account with every privilege.
TEST_F(PrivilegedUpgradeTest, WaitsForTheSitesOpenTransactionsThenSaysWhichAreLeft) {
  // A request still running: a transaction open on a table the upgrade does
  // not touch (a lock near civicrm_contact would stop the upgrader's ALTER TABLE).
  auto site_session = test::connect(site_.backdrop_db);
  std::unique_ptr<sql::Statement> statement(site_session->createStatement());
  statement->execute("START TRANSACTION");
  std::unique_ptr<sql::ResultSet>(
      statement->executeQuery("SELECT uid FROM " + site_.table_prefix + "users WHERE uid = 1 FOR UPDATE"));

  auto started = std::chrono::steady_clock::now();
  ProcessResult result = upgrade({}, {"--quiesce-timeout", "1"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  std::string log = result.err;
  for (const auto& file : fs::directory_iterator(state_dir() / "logs")) log += read_file_if_present(file.path());
  EXPECT_NE(log.find("the site still has open transactions after 1 s"), std::string::npos) << log;
  EXPECT_NE(log.find("in a transaction since"), std::string::npos) << log;
  statement->execute("COMMIT");
}

}  // namespace
}  // namespace civiup
