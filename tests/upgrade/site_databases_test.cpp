// Every database of the site (docs/database-snapshots.md "Every database of
// the site"): detailed logging in a database of its own (CIVICRM_LOGGING_DSN,
// its log table altered by the upgrade) and Backdrop 1.28+ config in the
// database (the front page in active_config) come back exactly after a failed
// upgrade and after a rollback; check lists, measures and refuses them;
// rehearse copies the logging database and points the copy at it.
#include <gtest/gtest.h>

#include <regex>

#include "civiup/site/site.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

class SiteDatabasesTest : public UpgradeTest {
 protected:
  void SetUp() override {
    test::require_test_server();
    testbed::SiteSpec spec = default_site_spec();
    spec.logging_db = logging_db_.name();
    spec.config_in_database = true;
    make_site_and_release(tmp_ / "site", spec);
  }

  // The three databases, the code tree without compiled templates (a swap
  // clears them; they are rebuilt on demand).
  struct FullState {
    SiteState site;
    test::Fingerprint logging;
  };
  FullState full_state() {
    FullState s{state(), site_database(site_.logging_db)};
    std::erase_if(s.site.tree, [](const auto& entry) { return entry.first.find("templates_c/") != std::string::npos; });
    return s;
  }
  void expect_same_full(const FullState& before, const FullState& after) {
    expect_same(before.site, after.site);
    EXPECT_TRUE(before.logging == after.logging) << "logging database differs:\n"
                                                 << test::describe_differences(before.logging, after.logging);
  }

  std::string frontpage_row() {
    return query(site_.backdrop_db, "SELECT data FROM active_config WHERE name = 'system.core'");
  }
  std::string log_columns() {
    return query(site_.logging_db,
                 "SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION) FROM "
                 "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "
                 "'log_civicrm_contact'");
  }

  ProcessResult check() {
    return test::run_civiup({"check", "--root", site_.root.string(), "--release", release_.string(), "--db-upgrade",
                             std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db", "--json"});
  }

  void set_logging_dsn(const std::string& database) {
    fs::path file = site_.root / "civicrm.settings.php";
    std::string text = read_file(file);
    std::string dsn = testbed::DatabaseServer::from_environment().dsn(database) + "?new_link=true";
    text = std::regex_replace(text, std::regex(R"(define\('CIVICRM_LOGGING_DSN', '[^']*'\))"),
                              "define('CIVICRM_LOGGING_DSN', '" + dsn + "')");
    test::write_text(file, text);
  }

  test::ScratchDatabase logging_db_{"log"};
};

// One site for the generator's shape and check's three cases (a site costs seconds).
TEST_F(SiteDatabasesTest, CheckListsEveryDatabaseOnceAndRefusesAnUnreachableLoggingOne) {
  // The generated site: no active config directory, the front page in
  // active_config, no log table left in the CiviCRM database, and a change
  // of a contact logged into the logging database by CiviCRM's trigger.
  EXPECT_FALSE(fs::exists(site_.config_dir)) << "no active config directory with the config in the database";
  EXPECT_NE(frontpage_row().find("\"site_frontpage\": \"civicrm/dashboard\""), std::string::npos) << frontpage_row();
  EXPECT_EQ(query(site_.civicrm_db,
                  "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                  "AND TABLE_NAME LIKE 'log\\_%'"),
            "0");
  std::string logged = query(site_.logging_db, "SELECT COUNT(*) FROM log_civicrm_contact");
  test::execute(*test::connect(site_.civicrm_db), "UPDATE civicrm_contact SET display_name = 'logged' WHERE id = 1");
  EXPECT_EQ(std::stoi(query(site_.logging_db, "SELECT COUNT(*) FROM log_civicrm_contact")), std::stoi(logged) + 1);

  ProcessResult result = check();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  nlohmann::json databases = json_of(result)["databases"];
  ASSERT_EQ(databases.size(), 3u) << result.out;
  std::vector<std::string> roles, names;
  for (const auto& database : databases) {
    roles.push_back(database["role"]);
    names.push_back(database["name"]);
    EXPECT_GT(database["size"].get<uint64_t>(), 0u) << database.dump();
    EXPECT_FALSE(database["host"].get<std::string>().empty()) << database.dump();
  }
  EXPECT_EQ(roles, (std::vector<std::string>{"civicrm", "backdrop", "logging"}));
  EXPECT_EQ(names, (std::vector<std::string>{site_.civicrm_db, site_.backdrop_db, site_.logging_db}));
  EXPECT_EQ(json_of(result)["frontpage"], "civicrm/dashboard") << "read from active_config";

  // A logging DSN naming the CiviCRM database is that database once.
  set_logging_dsn(site_.civicrm_db);
  result = check();
  databases = json_of(result)["databases"];
  ASSERT_EQ(databases.size(), 2u) << result.out;
  EXPECT_EQ(databases[0]["role"], "civicrm+logging");
  EXPECT_EQ(databases[0]["roles"], (nlohmann::json{"civicrm", "logging"}));
  EXPECT_EQ(databases[1]["role"], "backdrop");

  // An unreachable logging database: one problem, one line, naming it.
  set_logging_dsn(site_.logging_db + "_gone");
  result = check();
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_FALSE(out["ready"].get<bool>());
  int naming = 0;
  for (const auto& problem : out["problems"]) {
    std::string text = problem.get<std::string>();
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
    if (text.find("logging database") != std::string::npos &&
        text.find(site_.logging_db + "_gone") != std::string::npos) {
      ++naming;
    }
  }
  EXPECT_EQ(naming, 1) << out["problems"].dump();
}

TEST_F(SiteDatabasesTest, FailedUpgradeRestoresTheLoggingDatabaseAndTheConfigTable) {
  FullState before = full_state();
  std::string columns = log_columns();
  // change-rows comes after the log table's ALTER and after frontpage-off wrote active_config.
  ProcessResult result = upgrade({{"CIVIUP_STANDIN_FAIL_AT", "change-rows"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  expect_same_full(before, full_state());
  EXPECT_EQ(log_columns(), columns);
}

TEST_F(SiteDatabasesTest, RollbackRestoresTheLoggingDatabaseAndTheConfigTable) {
  FullState before = full_state();
  std::string columns = log_columns();
  ProcessResult upgraded = upgrade();
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out << upgraded.err;
  EXPECT_NE(log_columns(), columns) << "the upgrade altered the log table in the logging database";
  EXPECT_NE(frontpage_row().find("\"site_frontpage\": \"civicrm/dashboard\""), std::string::npos)
      << "the front page is back in active_config: " << frontpage_row();
  bool logging_dump = false;
  for (const auto& entry : fs::recursive_directory_iterator(state_dir() / "dumps")) {
    logging_dump = logging_dump || entry.path().filename() == "logging";
  }
  EXPECT_TRUE(logging_dump) << "dumps/<run>/logging/";
  nlohmann::json snapshots =
      json_of(test::run_civiup({"snapshots", "--root", site_.root.string(), "--json"}))["snapshots"];
  bool listed = false;
  for (const auto& snapshot : snapshots) {
    if (snapshot["kind"] != "pre-upgrade") continue;
    listed = true;
    EXPECT_TRUE(snapshot["restorable"].get<bool>()) << snapshot.dump();
    EXPECT_EQ(snapshot["databases"], (nlohmann::json{"civicrm", "backdrop", "logging"})) << snapshot.dump();
  }
  EXPECT_TRUE(listed) << snapshots.dump();
  nlohmann::json status = json_of(test::run_civiup({"status", "--root", site_.root.string(), "--json"}));
  ASSERT_EQ(status["databases"].size(), 3u) << status.dump();
  EXPECT_EQ(status["databases"][2]["role"], "logging");
  EXPECT_EQ(status["databases"][2]["name"], site_.logging_db);

  ProcessResult result = test::run_civiup({"rollback", "--root", site_.root.string(), "--yes", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  expect_same_full(before, full_state());
}

// A rehearsal of this site into tmp_/copy with the databases prefixed; `env` reaches the stand-in.
ProcessResult rehearse_into(const fs::path& copy, const std::string& prefix, const fs::path& root,
                            const fs::path& release, std::map<std::string, std::string> env = {}) {
  test::ProcessOptions options;
  options.extra_env = std::move(env);
  return test::run_civiup(
      {"rehearse", "--root", root.string(), "--release", release.string(), "--to-root", copy.string(), "--to-db-prefix",
       prefix, "--db-upgrade", std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db", "--yes", "--json"},
      options);
}

TEST_F(SiteDatabasesTest, RehearsalCopiesTheLoggingDatabaseAndPointsTheCopyAtIt) {
  FullState before = full_state();
  fs::path copy = tmp_ / "copy";
  const std::string prefix = "r" + logging_db_.name().substr(logging_db_.name().size() - 6) + "_";
  grant_prefix(prefix);
  ProcessResult result = rehearse_into(copy, prefix, site_.root, release_);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(json_of(result)["databases"].size(), 3u) << result.out;

  CiviCrmSettings settings = read_civicrm_settings(copy);
  ASSERT_TRUE(settings.logging_dsn.has_value());
  EXPECT_EQ(settings.logging_dsn->database, prefix + site_.logging_db);
  // The copy's upgrade altered the copy's log table, not production's.
  EXPECT_NE(query(prefix + site_.logging_db,
                  "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "
                  "'log_civicrm_contact' AND COLUMN_NAME LIKE 'upgrade\\_%'"),
            "0");
  expect_same_full(before, full_state());  // production untouched

  ProcessResult cleaned = test::run_civiup({"rehearse", "--cleanup", "--to-root", copy.string(), "--json"});
  EXPECT_EQ(cleaned.exit_code, 0) << cleaned.out << cleaned.err;
  EXPECT_EQ(json_of(cleaned)["dropped_databases"].size(), 3u) << cleaned.out;
}

// The copy's upgrade fails at once, so the copy keeps the triggers the copy
// step made (the stand-in's rebuild would otherwise recreate them): they must
// log into the copy's logging database, never production's.
TEST_F(SiteDatabasesTest, TheCopysLoggingTriggersWriteIntoTheCopy) {
  fs::path copy = tmp_ / "copy";
  const std::string prefix = "q" + logging_db_.name().substr(logging_db_.name().size() - 6) + "_";
  grant_prefix(prefix);
  ProcessResult result = rehearse_into(copy, prefix, site_.root, release_, {{"CIVIUP_STANDIN_FAIL_AT", "start"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  FullState before = full_state();

  auto connection = test::connect(prefix + site_.civicrm_db);
  test::execute(*connection, "UPDATE civicrm_contact SET display_name = 'in the copy' WHERE id = 1");
  EXPECT_EQ(
      query(prefix + site_.logging_db, "SELECT COUNT(*) FROM log_civicrm_contact WHERE display_name = 'in the copy'"),
      "1");
  EXPECT_EQ(query(site_.logging_db, "SELECT COUNT(*) FROM log_civicrm_contact WHERE display_name = 'in the copy'"),
            "0");
  expect_same_full(before, full_state());

  ProcessResult cleaned = test::run_civiup({"rehearse", "--cleanup", "--to-root", copy.string(), "--json"});
  EXPECT_EQ(cleaned.exit_code, 0) << cleaned.out << cleaned.err;
}

}  // namespace
}  // namespace civiup
