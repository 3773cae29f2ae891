// civiup's own DB upgrade runner (src/php/civiup-upgrade-db.php) end to end:
// real PHP running the release's PHP stand-in of CiviCRM against the test
// MariaDB, as `php FILE` and through bee's php-script; and the window with a
// bee whose every call costs a Backdrop bootstrap.  The upgrader failure
// scenarios run through the runner in upgrade_test.cpp (UpgraderTest).
#include <gtest/gtest.h>

#include <algorithm>

#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

class RunnerTest : public UpgradeTest {
 protected:
  void SetUp() override {
    upgrader_ = "runner";
    UpgradeTest::SetUp();
  }

  static double phase_seconds(const nlohmann::json& out, const std::string& name) {
    double seconds = 0;
    for (const auto& phase : out["phases"]) {
      if (phase["name"] == name) seconds += phase["seconds"].get<double>();
    }
    return seconds;
  }
};

TEST_F(RunnerTest, UpgradesOnPlainPhpAndLogsEachTask) {
  fs::path standin_log = tmp_ / "standin.log";
  ProcessResult result = upgrade({{"CIVIUP_STANDIN_LOG", standin_log.string()}});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(query(site_.civicrm_db, "SELECT version FROM civicrm_domain"), kTo);
  EXPECT_EQ(query(site_.civicrm_db, "SELECT COUNT(*) FROM civicrm_standin_5_75_0"), "2");
  const std::string standin = read_file_if_present(standin_log);
  EXPECT_NE(standin.find("outcome=upgraded"), std::string::npos) << standin;
  std::string log = read_file_if_present(json_of(result)["log"].get<std::string>());
  EXPECT_NE(log.find("running php " + state_dir().string() + "/staging/"), std::string::npos) << log;
  EXPECT_NE(log.find("| Found CiviCRM database version 5.74.0."), std::string::npos) << log;
  EXPECT_NE(log.find("| [1/6] Begin Upgrade to 5.75.0"), std::string::npos) << log;
  EXPECT_NE(log.find("| [6/6] Finish Upgrade DB to 5.75.0"), std::string::npos) << log;
  EXPECT_NE(log.find("| Upgraded CiviCRM database to 5.75.0."), std::string::npos) << log;
}

TEST_F(RunnerTest, PhpFatalErrorIsAFailureAndRollsBack) {
  SiteState before = state();
  ProcessResult result = upgrade({{"CIVIUP_STANDIN_PHP_FATAL", "add-column"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  std::string error = json_of(result)["error"].get<std::string>();
  EXPECT_NE(error.find("php exited with status "), std::string::npos) << error;
  EXPECT_NE(error.find("civiup-upgrade-db: error: PHP fatal error: Cannot redeclare"), std::string::npos) << error;
  expect_same(before, state());
}

// The runner through bee's php-script, and civiup's Backdrop sessions, with a
// bee whose every call costs a bootstrap of 1.5 s (a real site's cost): one
// session bootstrapped before the window, the runner's own bootstrap, and one
// session bootstrapping while the runner runs.  Before the sessions, the
// window held one bee call, one bootstrap, per step (nine here: 13.5 s).
TEST_F(RunnerTest, ThroughBeeNoBootstrapIsCiviupsShareOfTheWindow) {
  fs::path bee_log = tmp_ / "bee.log";
  ProcessResult result =
      upgrade({{"CIVIUP_STANDIN_BEE_LOG", bee_log.string()}, {"CIVIUP_STANDIN_BEE_BOOT_SECONDS", "1.5"}},
              {"--bee", std::string(CIVIUP_TESTBED_BINARY) + " bee"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(query(site_.civicrm_db, "SELECT version FROM civicrm_domain"), kTo);
  std::string calls = read_file_if_present(bee_log);
  EXPECT_EQ(std::count(calls.begin(), calls.end(), '\n'), 3) << calls;
  EXPECT_NE(calls.find("civiup-upgrade-db.php"), std::string::npos) << calls;
  nlohmann::json out = json_of(result);
  double upgrader = phase_seconds(out, "upgrade-database");
  double civiup_share = out["maintenance_seconds"].get<double>() - upgrader;
  EXPECT_GE(upgrader, 1.5) << "the runner's bootstrap is the upgrader's";
  EXPECT_LT(civiup_share, 1.5) << result.out;  // not even one bootstrap beside the upgrader's
  for (const std::string& module : site_.integration_modules) {
    EXPECT_EQ(query(site_.backdrop_db, "SELECT status FROM system WHERE name = '" + module + "'"), "1");
  }
  EXPECT_EQ(query(site_.backdrop_db, "SELECT value FROM state WHERE name = 'maintenance_mode'"), "b:0;");
}

}  // namespace
}  // namespace civiup
