// End to end: a generated Backdrop + CiviCRM site, a real release tarball, the
// built civiup, the stand-in DB upgrade command.  Either the site ends upgraded
// or it ends exactly as it was: code tree (modes, owners), both databases
// (definitions and checksums), maintenance mode, front page, modules.
#include <gtest/gtest.h>
#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>

#include "civiup/site/site.hpp"
#include "civiup/transaction/journal.hpp"
#include "civiup/upgrade/phase_plan.hpp"
#include "upgrade/tree_filters.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

// The phases of a transaction up to and including its commit point, from the
// phase table: the ones whose failure rolls the run back.
std::vector<std::string> up_to_the_commit_point(const std::string& transaction) {
  const std::vector<std::string>& order = phases::phase_order(transaction);
  auto commit = std::find(order.begin(), order.end(), phases::kCommitPhase);
  return {order.begin(), commit == order.end() ? commit : commit + 1};
}

// The one place that pins the phase names and their order as a contract: the
// names are in journals on disk (recover looks a phase up by name, also in a
// journal an older civiup wrote) and in --json, and the order is DESIGN.md §3
// and docs/transaction.md.  Every other test takes them from the table.
TEST(PhaseTable, TheNamesAndTheOrderAreTheJournalsContract) {
  EXPECT_EQ(phases::phase_order("upgrade"),
            (std::vector<std::string>{"preflight", "stage-release", "snapshot-code", "pre-snapshot-databases",
                                      "maintenance-on", "snapshot-databases", "frontpage-off", "disable-integrations",
                                      "swap-code", "permissions", "clear-templates", "upgrade-database",
                                      "enable-integrations", "clear-caches", "restore-frontpage", "maintenance-off",
                                      "verify", "commit"}));
  EXPECT_EQ(
      phases::phase_order("rollback"),
      (std::vector<std::string>{"preflight", "restore-snapshot", "pre-snapshot-databases", "maintenance-on",
                                "snapshot-databases", "keep-replaced", "swap-code", "restore-files", "clear-templates",
                                "restore-databases", "clear-caches", "maintenance-off", "verify", "finish-rollback"}));
  EXPECT_EQ(up_to_the_commit_point("upgrade").back(), "verify");
}

TEST_F(UpgradeTest, SuccessfulUpgradeLeavesTheNewReleaseAndTheSiteAsItWas) {
  std::string maintenance = query(site_.backdrop_db, "SELECT value FROM state WHERE name = 'maintenance_mode'");
  ProcessResult result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_TRUE(out["ok"].get<bool>());
  EXPECT_TRUE(out["error"].is_null());
  EXPECT_EQ(out["to_version"], kTo);
  EXPECT_EQ(out["phases"].size(), phases::phase_order("upgrade").size());
  EXPECT_TRUE(out["snapshot"]["id"].is_string());
  EXPECT_GT(out["maintenance_seconds"].get<double>(), 0.0);

  EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), kTo);
  EXPECT_EQ(query(site_.civicrm_db, "SELECT version FROM civicrm_domain LIMIT 1"), kTo);
  for (const std::string& module : site_.integration_modules) {
    EXPECT_EQ(query(site_.backdrop_db, "SELECT status FROM system WHERE name = '" + module + "'"), "1") << module;
  }
  EXPECT_EQ(query(site_.backdrop_db, "SELECT value FROM state WHERE name = 'maintenance_mode'"), maintenance);
  std::string text = read_file_if_present(site_.config_dir / "system.core.json");
  EXPECT_NE(text.find("\"site_frontpage\": \"civicrm/dashboard\""), std::string::npos) << text;

  // The new tree is the release's, byte for byte; nothing is left behind.
  testbed::ReleaseSpec release;
  release.version = kTo;
  testbed::write_release_tree(tmp_ / "expected", release);
  auto content_only = [](std::map<std::string, std::string> tree) {
    for (auto& [path, value] : tree) value = value.substr(value.find(' ', value.find(' ') + 1) + 1);
    return tree;
  };
  auto expected = content_only(test::tree_fingerprint(tmp_ / "expected" / "civicrm"));
  auto actual = content_only(test::tree_fingerprint(site_.root / "modules" / "civicrm"));
  expected.erase(".");
  actual.erase(".");
  EXPECT_TRUE(expected == actual) << test::describe_differences(expected, actual);
  EXPECT_FALSE(fs::exists(state_dir() / "staging" / out["snapshot"]["id"].get<std::string>()));
  EXPECT_TRUE(fs::is_empty(state_dir() / "staging"));
  EXPECT_EQ(fs::status(state_dir()).permissions() & fs::perms::all, fs::perms::owner_all);
}

// Every phase, failing after its own work: exit 1 and the site exactly as before.
class PhaseFaultTest : public UpgradeTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(PhaseFaultTest, FailureRollsBackToTheSiteAsItWas) {
  SiteState before = state();
  ProcessResult result = upgrade({{"CIVIUP_FAULT", GetParam() + ":after"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_FALSE(out["ok"].get<bool>());
  EXPECT_NE(out["error"].get<std::string>().find("phase " + GetParam()), std::string::npos) << out["error"];
  EXPECT_EQ(out["outcome"], "rolled-back");
  expect_same(before, state());
  EXPECT_FALSE(fs::exists(state_dir() / "dumps" / "x"));
}

INSTANTIATE_TEST_SUITE_P(EveryPhaseBeforeTheCommitPoint, PhaseFaultTest,
                         ::testing::ValuesIn(up_to_the_commit_point("upgrade")), [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::erase(name, '-');
                           return name;
                         });

// Each upgrader failure scenario with the C++ stand-in as --db-upgrade and
// with civiup's own PHP runner on real PHP.
INSTANTIATE_TEST_SUITE_P(Upgraders, UpgraderTest, ::testing::Values("standin", "runner"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

TEST_P(UpgraderTest, UpgraderThatFailsRollsBack) {
  SiteState before = state();
  ProcessResult result = upgrade({{"CIVIUP_STANDIN_FAIL_AT", "change-rows"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(json_of(result)["error"].get<std::string>().find("exited with status"), std::string::npos);
  expect_same(before, state());
}

TEST_P(UpgraderTest, UpgraderThatLeavesDotUpgradeAndExitsZeroRollsBack) {
  SiteState before = state();
  ProcessResult result = upgrade({{"CIVIUP_STANDIN_EXIT0_UPGRADE", "1"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(json_of(result)["error"].get<std::string>().find(".upgrade"), std::string::npos) << result.out;
  expect_same(before, state());
}

TEST_P(UpgraderTest, UpgraderThatHangsIsKilledAndRollsBack) {
  SiteState before = state();
  ProcessResult result = upgrade({{"CIVIUP_STANDIN_HANG", "create-table"}}, {"--db-upgrade-timeout", "3"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(json_of(result)["error"].get<std::string>().find("did not finish within 3 s"), std::string::npos);
  expect_same(before, state());
}

TEST_F(UpgradeTest, SecondConcurrentCiviupIsRefused) {
  ProcessResult first;
  std::thread running([&] {
    first = upgrade({{"CIVIUP_STANDIN_HANG", "create-table"}}, {"--db-upgrade-timeout", "6"});
  });
  // Wait until the first is inside the DB upgrade (its journal names the phase).
  fs::path journal = state_dir() / "journal.json";
  for (int i = 0; i < 300; ++i) {
    std::string text = read_file_if_present(journal);
    if (text.find("child_pgid") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ProcessResult second = upgrade();
  running.join();
  EXPECT_EQ(second.exit_code, 2) << second.out << second.err;
  EXPECT_NE(second.err.find("in use by civiup"), std::string::npos) << second.err;
  EXPECT_EQ(first.exit_code, 1) << first.err;
}

TEST_F(UpgradeTest, RefusedInputsChangeNothing) {
  SiteState before = state();
  testbed::ReleaseSpec drupal;
  drupal.version = kTo;
  drupal.cms = "Drupal";
  fs::path drupal_tarball = testbed::write_release_tarball(tmp_ / "drupal", drupal);
  testbed::ReleaseSpec older;
  older.version = "5.73.0";
  fs::path older_tarball = testbed::write_release_tarball(tmp_ / "older", older);
  for (const fs::path& tarball : {drupal_tarball, older_tarball}) {
    release_ = tarball;
    ProcessResult result = upgrade();
    EXPECT_EQ(result.exit_code, 2) << tarball << result.out << result.err;
    EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "one line: " << result.err;
  }
  // A half-upgraded database.
  auto connection = test::connect(site_.civicrm_db);
  test::execute(*connection, "UPDATE civicrm_domain SET version = '5.74.0.upgrade'");
  before.civicrm = site_database(site_.civicrm_db);
  release_ = tmp_ / ("civicrm-" + std::string(kTo) + "-backdrop.tar.gz");
  ProcessResult half = upgrade();
  EXPECT_EQ(half.exit_code, 2) << half.err;
  EXPECT_NE(half.err.find("did not finish"), std::string::npos) << half.err;
  expect_same(before, state());
  EXPECT_FALSE(fs::exists(state_dir())) << "a refused run must not create the state directory";
}

TEST_P(UpgraderTest, CrashInTheWindowIsRecoveredToTheSiteAsItWas) {
  SiteState before = state();
  // SIGKILL of civiup itself while the upgrader runs: the upgrader dies with it.
  ProcessResult first = upgrade_signalled_in_db_upgrade(SIGKILL);
  EXPECT_EQ(first.exit_code, 128 + SIGKILL);

  ProcessResult refused = upgrade();
  EXPECT_EQ(refused.exit_code, 2) << "a new upgrade must refuse while the journal is unfinished";
  EXPECT_NE(refused.err.find("civiup recover"), std::string::npos) << refused.err;

  ProcessResult status = test::run_civiup({"status", "--root", site_.root.string(), "--json"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json journal_state = json_of(status)["journal"];
  EXPECT_FALSE(journal_state["finished"].get<bool>()) << status.out;
  EXPECT_NE(journal_state["next_action"].get<std::string>().find("civiup recover"), std::string::npos) << status.out;

  ProcessResult recovered = test::run_civiup({"recover", "--root", site_.root.string(), "--yes", "--json"});
  EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;  // the site is consistent: rolled back
  EXPECT_EQ(json_of(recovered)["recovered"], "rolled_back") << recovered.out;
  expect_same(before, state());
  ProcessResult again = test::run_civiup({"recover", "--root", site_.root.string(), "--yes"});
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("nothing to recover"), std::string::npos);
}

}  // namespace
}  // namespace civiup

namespace civiup {
namespace {

class RollbackTest : public UpgradeTest {
 protected:
  ProcessResult rollback(std::map<std::string, std::string> env = {}, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"rollback", "--root", site_.root.string(), "--yes", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    test::ProcessOptions options;
    options.extra_env = std::move(env);
    return test::run_civiup(args, options);
  }
};

TEST_F(RollbackTest, RollbackAfterASuccessfulUpgradeRestoresThePreUpgradeSite) {
  SiteState before = state();
  ProcessResult upgraded = upgrade();
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out << upgraded.err;
  std::string snapshot = json_of(upgraded)["snapshot"]["id"].get<std::string>();

  ProcessResult result = rollback();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_TRUE(out["ok"].get<bool>());
  EXPECT_EQ(out["snapshot"]["id"], snapshot);
  EXPECT_EQ(out["to_version"], kFrom);
  EXPECT_GT(out["maintenance_seconds"].get<double>(), 0.0);

  SiteState after = state();
  before.tree = without_compiled_templates(before.tree);
  after.tree = without_compiled_templates(after.tree);
  expect_same(before, after);
  EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), kFrom);
  EXPECT_TRUE(fs::is_empty(state_dir() / "staging"));
}

TEST_F(RollbackTest, NothingToRollBackToIsRefused) {
  SiteState before = state();
  ProcessResult result = rollback();
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(json_of(result)["error"].get<std::string>().find("nothing to roll back to"), std::string::npos)
      << result.out;
  expect_same(before, state());
}

// Every rollback phase failing after its work: exit 1, the upgraded site as it was.
class RollbackFaultTest : public RollbackTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(RollbackFaultTest, FailedRollbackLeavesTheUpgradedSite) {
  ProcessResult upgraded = upgrade();
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out << upgraded.err;
  SiteState before = state();
  ProcessResult result = rollback({{"CIVIUP_FAULT", GetParam() + ":after"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_EQ(json_of(result)["outcome"], "rolled-back");
  expect_same(before, state());
  EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), kTo);
}

INSTANTIATE_TEST_SUITE_P(EveryRollbackPhase, RollbackFaultTest, ::testing::ValuesIn(up_to_the_commit_point("rollback")),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::erase(name, '-');
                           return name;
                         });

}  // namespace
}  // namespace civiup

#include "upgrade/http_server.hpp"

namespace civiup {
namespace {

TEST_F(UpgradeTest, HealthCheckOfAWorkingSitePasses) {
  test::HttpServer server;
  server.respond("/", 200, "<html>Welcome</html>");
  server.respond("/civicrm/event/ical", 403, "<html>Access denied</html>");
  ProcessResult result = upgrade({}, {"--url", server.base_url()});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(server.requests(), 2);
}

TEST_F(UpgradeTest, HealthCheckThatFindsAFatalErrorRollsBack) {
  SiteState before = state();
  test::HttpServer server;
  server.respond("/", 200, "<b>Fatal error</b>: Uncaught Error: Class 'CRM_Core_Config' not found");
  server.respond("/civicrm/event/ical", 200, "BEGIN:VCALENDAR");
  ProcessResult result = upgrade({}, {"--url", server.base_url() + "/"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  std::string error = json_of(result)["error"].get<std::string>();
  EXPECT_NE(error.find("phase verify: health check " + server.base_url() + "/: the page says \"Fatal error\""),
            std::string::npos)
      << error;
  expect_same(before, state());
}

}  // namespace
}  // namespace civiup

namespace civiup {
namespace {

std::vector<std::string> with_bee() { return {"--bee", std::string(CIVIUP_TESTBED_BINARY) + " bee"}; }

TEST_F(UpgradeTest, BackdropOperationsGoThroughBeeWhenItIsThere) {
  fs::path log = tmp_ / "bee.log";
  ProcessResult result = upgrade({{"CIVIUP_STANDIN_BEE_LOG", log.string()}}, with_bee());
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  // Two bootstraps: civiup's Backdrop session before the window (maintenance
  // on, disable) and after the DB upgrade (enable, caches, maintenance off).
  std::string calls = read_file_if_present(log);
  std::string session = "php-script " + state_dir().string() + "/staging/";
  size_t first = calls.find(session);
  ASSERT_NE(first, std::string::npos) << calls;
  EXPECT_NE(calls.find(session, first + 1), std::string::npos) << calls;
  EXPECT_EQ(std::count(calls.begin(), calls.end(), '\n'), 2) << calls;
  std::string log_text = read_file_if_present(json_of(result)["log"].get<std::string>());
  for (const std::string& module : site_.integration_modules) {
    EXPECT_NE(log_text.find("civiup-backdrop.php: disable " + module), std::string::npos) << log_text;
    EXPECT_NE(log_text.find("civiup-backdrop.php: enable " + module), std::string::npos) << log_text;
    EXPECT_EQ(query(site_.backdrop_db, "SELECT status FROM system WHERE name = '" + module + "'"), "1");
  }
  for (const char* command : {"maintenance 1", "cache-clear", "maintenance 0"}) {
    EXPECT_NE(log_text.find(std::string("civiup-backdrop.php: ") + command), std::string::npos) << log_text;
  }
}

TEST_F(UpgradeTest, BeeThatExitsZeroWithoutActingIsCaughtAndRolledBack) {
  SiteState before = state();
  ProcessResult result = upgrade({{"CIVIUP_STANDIN_BEE_LIE", "disable"}}, with_bee());
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  std::string error = json_of(result)["error"].get<std::string>();
  EXPECT_NE(error.find("phase disable-integrations: civiup-testbed civiup-backdrop.php: disable"), std::string::npos)
      << error;
  EXPECT_NE(error.find("said ok but did not do it"), std::string::npos) << error;
  expect_same(before, state());
}

}  // namespace
}  // namespace civiup

namespace civiup {
namespace {

TEST_P(UpgraderTest, FailedUndoExitsThreeAndRecoverFinishesTheRollback) {
  SiteState before = state();
  // The DB upgrade fails; then undoing the swap fails too.
  ProcessResult result = upgrade({{"CIVIUP_STANDIN_FAIL_AT", "change-rows"}, {"CIVIUP_FAULT", "swap-code:undo"}});
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_EQ(out["outcome"], "rollback-failed") << result.out;
  EXPECT_NE(out["error"].get<std::string>().find("undoing phase swap-code"), std::string::npos) << result.out;

  ProcessResult status = test::run_civiup({"status", "--root", site_.root.string(), "--json"});
  nlohmann::json journal_state = json_of(status)["journal"];
  EXPECT_EQ(journal_state["state"], "rollback-failed") << status.out;
  EXPECT_NE(journal_state["next_action"].get<std::string>().find("undoing phase swap-code failed"), std::string::npos)
      << status.out;

  // The cause is gone (the fault is not armed): recover finishes the rollback.
  ProcessResult recovered = test::run_civiup({"recover", "--root", site_.root.string(), "--yes", "--json"});
  EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
  EXPECT_EQ(json_of(recovered)["outcome"], "rolled-back");
  expect_same(before, state());
}

TEST_P(UpgraderTest, SigtermDuringTheDbUpgradeRollsBack) {
  SiteState before = state();
  ProcessResult first = upgrade_signalled_in_db_upgrade(SIGTERM);
  EXPECT_EQ(first.exit_code, 1) << first.out << first.err;
  EXPECT_NE(json_of(first)["error"].get<std::string>().find("SIGTERM"), std::string::npos) << first.out;
  expect_same(before, state());
}

}  // namespace
}  // namespace civiup

namespace civiup {
namespace {

TEST_F(RollbackTest, ManualSnapshotIsListedRestoredAndPruned) {
  ProcessResult taken =
      test::run_civiup({"snapshot", "--root", site_.root.string(), "--message", "before my edits", "--json"});
  ASSERT_EQ(taken.exit_code, 0) << taken.out << taken.err;
  std::string id = json_of(taken)["snapshot"]["id"].get<std::string>();
  EXPECT_EQ(json_of(taken)["snapshot"]["code_version"], kFrom);
  SiteState at_snapshot = state();

  // Changes an administrator might regret: a row, a file, a table.
  auto connection = test::connect(site_.civicrm_db);
  test::execute(*connection, "UPDATE civicrm_contact SET display_name = 'changed' WHERE id = 1");
  test::execute(*connection, "CREATE TABLE civicrm_stray (id INT PRIMARY KEY)");
  test::write_text(site_.root / "modules" / "civicrm" / "patched.php", "<?php // local patch\n");

  ProcessResult listed = test::run_civiup({"snapshots", "--root", site_.root.string(), "--json"});
  nlohmann::json list = json_of(listed)["snapshots"];
  ASSERT_EQ(list.size(), 1u) << listed.out;
  EXPECT_EQ(list[0]["id"], id);
  EXPECT_TRUE(list[0]["restorable"].get<bool>());
  EXPECT_EQ(list[0]["message"], "before my edits");

  ProcessResult restored = test::run_civiup(
      {"restore", id.substr(0, 10), "--root", site_.root.string(), "--yes", "--discard-changes", "--json"});
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  // What it discarded: the changed row, the new table, the patched file.
  nlohmann::json discarded = json_of(restored)["discarded"];
  EXPECT_EQ(discarded["tables"].size(), 2u) << restored.out;
  EXPECT_EQ(discarded["files"].size(), 1u) << restored.out;
  SiteState after = state();
  at_snapshot.tree = without_compiled_templates(at_snapshot.tree);
  after.tree = without_compiled_templates(after.tree);
  expect_same(at_snapshot, after);

  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(test::run_civiup({"snapshot", "--root", site_.root.string()}).exit_code, 0);
  }
  // The restore kept what it replaced (pre-restore): prune keeps that and the newest.
  ProcessResult pruned = test::run_civiup({"prune", "--keep", "1", "--root", site_.root.string(), "--yes", "--json"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.out << pruned.err;
  EXPECT_EQ(json_of(pruned)["removed"].size(), 2u) << pruned.out;
  nlohmann::json left = json_of(test::run_civiup({"snapshots", "--root", site_.root.string(), "--json"}))["snapshots"];
  ASSERT_EQ(left.size(), 2u) << left.dump();
  EXPECT_NE(left[0]["id"], id) << "the newest is kept";
  EXPECT_EQ(left[1]["kind"], "pre-restore");
  size_t dump_dirs = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(state_dir() / "dumps")) ++dump_dirs;
  EXPECT_EQ(dump_dirs, 2u) << "pruned snapshots' dumps are deleted";
}

TEST_F(RollbackTest, PruneKeepsTheNewestPreUpgradeSnapshot) {
  ASSERT_EQ(upgrade().exit_code, 0);
  ASSERT_EQ(test::run_civiup({"snapshot", "--root", site_.root.string()}).exit_code, 0);
  ProcessResult pruned = test::run_civiup({"prune", "--keep", "0", "--root", site_.root.string(), "--yes", "--json"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  nlohmann::json left = json_of(test::run_civiup({"snapshots", "--root", site_.root.string(), "--json"}))["snapshots"];
  // The post-upgrade snapshot of that upgrade stays with it: a rollback
  // compares with it to say what it would discard.
  ASSERT_EQ(left.size(), 2u) << left.dump();
  EXPECT_EQ(left[0]["kind"], "post-upgrade");
  EXPECT_EQ(left[1]["kind"], "pre-upgrade");
  EXPECT_EQ(rollback().exit_code, 0) << "rollback still works after prune";
}

}  // namespace
}  // namespace civiup
