// The maintenance window does not hold the full database dump: it is taken
// online (pre-snapshot-databases) and the window dumps only what changed since,
// after the site's open transactions have finished (or a bound has passed).
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

  size_t deltas = 0;
  for (const auto& run : fs::directory_iterator(state_dir() / "dumps")) {
    for (const char* database : {"civicrm", "backdrop"}) {
      auto manifest = snapshot::db::load_manifest(run.path() / database);
      EXPECT_FALSE(manifest.base_dump.empty()) << database << " was dumped in full inside the window";
      // The stand-in upgrader has not run yet: nothing changed since the pre-snapshot.
      EXPECT_EQ(manifest.reused_tables.size(), manifest.tables.size()) << database;
      ++deltas;
    }
  }
  EXPECT_EQ(deltas, 2u);
  EXPECT_TRUE(!fs::exists(state_dir() / "pre-dumps") || fs::is_empty(state_dir() / "pre-dumps"))
      << "the pre-snapshot is deleted once the deltas stand alone";
}

TEST_F(UpgradeTest, WaitsForTheSitesOpenTransactionsThenSaysWhichAreLeft) {
  auto site_session = test::connect(site_.civicrm_db);
  std::unique_ptr<sql::Statement> statement(site_session->createStatement());
  statement->execute("START TRANSACTION");
  statement->execute("SELECT id FROM civicrm_tag WHERE id = 1 FOR UPDATE");  // a request still running

  auto started = std::chrono::steady_clock::now();
  ProcessResult result = upgrade({}, {"--quiesce-timeout", "1"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  std::string log = result.err;
  for (const auto& file : fs::directory_iterator(state_dir() / "logs")) log += slurp(file.path());
  EXPECT_NE(log.find("the site still has open transactions after 1 s"), std::string::npos) << log;
  EXPECT_NE(log.find("in a transaction since"), std::string::npos) << log;
  statement->execute("COMMIT");
}

}  // namespace
}  // namespace civiup
