// The site's own database account (ALL on its own databases, nothing global,
// as CiviCRM's installer and hosting panels set it up) is enough: the dumps
// take their consistent point with LOCK TABLES, DDL during the online dump ends
// up in the window's snapshot, and what the account lacks is refused at check,
// never found mid-upgrade.  A privileged account takes BACKUP STAGE.
#include <cppconn/resultset.h>
#include <cppconn/statement.h>

#include <fmt/format.h>

#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

// The site but for its compiled templates: an upgrade flushes them on
// purpose and a rollback does not bring them back (CiviCRM rebuilds them).
SiteState without_compiled_templates(SiteState state) {
  std::erase_if(state.tree, [](const auto& entry) { return entry.first.find("templates_c/") != std::string::npos; });
  return state;
}

class SiteAccountTest : public UpgradeTest {
 protected:
  ProcessResult check() {
    return test::run_civiup({"check", "--root", site_.root.string(), "--release", release_.string(), "--db-upgrade",
                             std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db", "--json"});
  }

  ProcessResult rollback() { return test::run_civiup({"rollback", "--root", site_.root.string(), "--yes", "--json"}); }

  // Every log of the state directory, in one string.
  std::string logs() const {
    std::string text;
    for (const auto& file : fs::directory_iterator(state_dir() / "logs")) text += read_file_if_present(file.path());
    return text;
  }

  void admin(const std::string& statement) {
    auto connection = test::connect();
    test::execute(*connection, statement);
  }

  std::string account() const { return fmt::format("'{}'@'%'", site_.account.user); }

  static bool has_problem(const nlohmann::json& json, const std::string& text) {
    for (const auto& problem : json["problems"])
      if (problem.get<std::string>().find(text) != std::string::npos) return true;
    return false;
  }
};

TEST_F(SiteAccountTest, TheSitesOwnAccountUpgradesAndRollsBackWithLockTables) {
  // The generator's account: ALL on the site's two databases, nothing global.
  auto connection = test::connect();
  std::vector<std::string> grants = test::query_column(*connection, "SHOW GRANTS FOR " + account());
  ASSERT_EQ(grants.size(), 3u) << fmt::format("{}", fmt::join(grants, "\n"));
  EXPECT_NE(grants[0].find("GRANT USAGE ON *.*"), std::string::npos) << grants[0];

  ProcessResult checked = check();
  ASSERT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  nlohmann::json report = json_of(checked);
  for (const auto& database : report["databases"]) EXPECT_EQ(database["dump_method"], "LOCK TABLES") << database;

  SiteState before = state();
  ProcessResult upgraded = upgrade();
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out << upgraded.err;
  // Both dumps (online and in the window) took one LOCK TABLES point for both databases.
  std::string log = logs();
  EXPECT_NE(log.find("opened under LOCK TABLES ... READ of every base table"), std::string::npos) << log;
  EXPECT_NE(log.find("one point for databases"), std::string::npos) << log;
  EXPECT_EQ(log.find("BACKUP STAGE BLOCK_DDL"), std::string::npos) << log;

  ProcessResult rolled_back = rollback();
  ASSERT_EQ(rolled_back.exit_code, 0) << rolled_back.out << rolled_back.err;
  expect_same(without_compiled_templates(before), without_compiled_templates(state()));
}

// What the account lacks is found by check (exit 2) and refused by upgrade's
// own preflight with the same words: never mid-upgrade.
TEST_F(SiteAccountTest, AnAccountLackingAPrivilegeFailsAtCheckNotMidUpgrade) {
  admin(fmt::format("REVOKE LOCK TABLES ON `{}`.* FROM {}", site_.civicrm_db, account()));
  ProcessResult checked = check();
  EXPECT_EQ(checked.exit_code, 2) << checked.out << checked.err;
  nlohmann::json report = json_of(checked);
  const std::string fix = fmt::format("fix: GRANT ALL ON `{}`.* TO {}", site_.civicrm_db, account());
  EXPECT_TRUE(has_problem(report, "lacks LOCK TABLES (needed to snapshot it)")) << report.dump(2);
  EXPECT_TRUE(has_problem(report, fix)) << report.dump(2);

  SiteState before = state();
  ProcessResult upgraded = upgrade();
  EXPECT_EQ(upgraded.exit_code, 2) << upgraded.out << upgraded.err;
  EXPECT_NE(json_of(upgraded)["error"].get<std::string>().find("lacks LOCK TABLES"), std::string::npos) << upgraded.out;
  expect_same(before, state());
}

// An object another account defined cannot be recreated by the site's
// account on a rollback: check names it with the grant that fixes it, and
// with that grant the site is ready.
TEST_F(SiteAccountTest, AnObjectOfAnotherDefinerIsNamedWithTheGrant) {
  admin(fmt::format("CREATE DEFINER = 'civiup'@'%' VIEW `{}`.`civicrm_view_other_definer` AS SELECT 1 AS one",
                    site_.civicrm_db));
  ProcessResult checked = check();
  EXPECT_EQ(checked.exit_code, 2) << checked.out << checked.err;
  nlohmann::json report = json_of(checked);
  EXPECT_TRUE(has_problem(report, "view `civicrm_view_other_definer` (DEFINER civiup@%)")) << report.dump(2);
  EXPECT_TRUE(has_problem(report, "fix: GRANT SET USER ON *.* TO " + account())) << report.dump(2);

  ProcessResult human = test::run_civiup({"check", "--root", site_.root.string(), "--release", release_.string(),
                                          "--db-upgrade", std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db"});
  EXPECT_EQ(human.exit_code, 2);
  EXPECT_NE(human.out.find("GRANT SET USER ON *.* TO " + account()), std::string::npos) << human.out;

  admin("GRANT SET USER ON *.* TO " + account());
  ProcessResult granted = check();
  EXPECT_EQ(granted.exit_code, 0) << granted.out << granted.err;
}

// DDL during the online dump is not blocked without RELOAD: the window's delta
// sees the changed definition and dumps the table again, so a failed upgrade
// rolls back to the table as it was in the window (with the new column), not
// as the online dump saw it.  The ALTER runs on Backdrop's `node` while the
// online dump is still on CiviCRM's tables (both share one point).
class DdlDuringTheOnlineDumpTest : public SiteAccountTest, public ::testing::WithParamInterface<std::string> {};

TEST_P(DdlDuringTheOnlineDumpTest, EndsUpInTheWindowsSnapshot) {
  const std::string node = site_.table_prefix + "node";
  const std::string alter = fmt::format(fmt::runtime(GetParam()), node);
  const std::string exec =
      fmt::format("mariadb --no-defaults -h {} -P {} -u '{}' -p'{}' '{}' -e '{}'", site_.account.host,
                  site_.account.port, site_.account.user, site_.account.password, site_.backdrop_db, alter);
  ProcessResult result = upgrade({{"CIVIUP_FAULT", "pre-snapshot-databases:inside@1:exec"},
                                  {"CIVIUP_FAULT_EXEC", exec},
                                  {"CIVIUP_STANDIN_FAIL_AT", "change-rows"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  std::string log = logs();
  EXPECT_NE(log.find("fault point pre-snapshot-databases:inside"), std::string::npos) << log;
  // The rollback restored the window's `node`: the column added during the online dump is there.
  auto connection = test::connect(site_.backdrop_db);
  std::unique_ptr<sql::Statement> statement(connection->createStatement());
  std::unique_ptr<sql::ResultSet> create(statement->executeQuery("SHOW CREATE TABLE `" + node + "`"));
  ASSERT_TRUE(create->next());
  EXPECT_NE(std::string(create->getString(2)).find("`ddl_probe`"), std::string::npos) << create->getString(2);
  EXPECT_EQ(query(site_.backdrop_db, "SELECT COUNT(*) FROM `" + node + "` WHERE ddl_probe <> 7"), "0");
  EXPECT_EQ(query(site_.civicrm_db, "SELECT version FROM civicrm_domain"), kFrom);
  // A table rebuilt after the point cannot be read in the snapshot: the online dump started again.
  if (GetParam().find("COPY") != std::string::npos) {
    EXPECT_NE(log.find("started again 1 time(s)"), std::string::npos) << log;
  }
}

INSTANTIATE_TEST_SUITE_P(AddedColumn, DdlDuringTheOnlineDumpTest,
                         ::testing::Values(
                             // In place: the online dump reads the old columns from its snapshot.
                             "ALTER TABLE `{}` ADD COLUMN ddl_probe INT NOT NULL DEFAULT 7, ALGORITHM=INSTANT",
                             // A rebuild: the snapshot cannot read the table any more ("Table definition has
                             // changed"), and the online dump starts again from a new point.
                             "ALTER TABLE `{}` ADD COLUMN ddl_probe INT NOT NULL DEFAULT 7, ALGORITHM=COPY"),
                         [](const auto& param_info) {
                           return param_info.index == 0 ? std::string("Instant") : std::string("TableCopy");
                         });

// The server's own account has RELOAD: the dumps block DDL with BACKUP STAGE,
// and an upgrade and its rollback work as with the site's account.
class PrivilegedAccountTest : public SiteAccountTest {
 protected:
  void SetUp() override {
    test::require_test_server();
    testbed::SiteSpec spec = default_site_spec();
    spec.privileged_db_user = true;  // as PrivilegedUpgradeTest
    make_site_and_release(tmp_ / "site", spec);
  }
};

TEST_F(PrivilegedAccountTest, UpgradesAndRollsBackWithBackupStage) {
  ProcessResult checked = check();
  ASSERT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  const nlohmann::json report = json_of(checked);  // kept alive: the loop walks into it
  for (const auto& database : report["databases"]) EXPECT_EQ(database["dump_method"], "BACKUP STAGE") << database;
  SiteState before = state();
  ProcessResult upgraded = upgrade();
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out << upgraded.err;
  std::string log = logs();
  EXPECT_NE(log.find("consistent point: BACKUP STAGE BLOCK_DDL for the duration"), std::string::npos) << log;
  EXPECT_EQ(log.find("LOCK TABLES ... READ"), std::string::npos) << log;
  ProcessResult rolled_back = rollback();
  ASSERT_EQ(rolled_back.exit_code, 0) << rolled_back.out << rolled_back.err;
  expect_same(without_compiled_templates(before), without_compiled_templates(state()));
}

}  // namespace
}  // namespace civiup
