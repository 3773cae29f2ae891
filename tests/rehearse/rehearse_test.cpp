// civiup rehearse end to end: a generated site, a real release tarball, the
// built civiup and the stand-in upgrader.  The copy is upgraded (or its
// failure reported with its log); production's code, both databases and its
// state directory stay exactly as they were.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "civiup/site/site.hpp"
#include "civiup/upgrade/phase_plan.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

constexpr const char* kPrefix = "rh_";

class RehearseTest : public UpgradeTest {
 protected:
  // The copy's databases need a grant for the prefix (UpgradeTest::grant_prefix).
  void SetUp() override {
    UpgradeTest::SetUp();
    grant_prefix(kPrefix);
  }

  void TearDown() override {
    if (::testing::Test::HasFailure()) return;  // kept for inspection, as the scratch databases are
    auto connection = test::connect();
    for (const std::string& name : {copy_db(site_.backdrop_db), copy_db(site_.civicrm_db)}) {
      test::execute(*connection, "DROP DATABASE IF EXISTS `" + name + "`");
    }
  }

  static std::string copy_db(const std::string& production) { return kPrefix + production; }
  fs::path copy_root() const { return tmp_ / "copy"; }
  fs::path copy_state() const { return fs::path(copy_root().string() + ".civiup"); }

  ProcessResult rehearse(std::map<std::string, std::string> env = {}, std::vector<std::string> extra = {},
                         const fs::path& to_root = {}, const std::string& prefix = kPrefix) {
    std::vector<std::string> args = {"rehearse",
                                     "--root",
                                     site_.root.string(),
                                     "--release",
                                     release_.string(),
                                     "--to-root",
                                     (to_root.empty() ? copy_root() : to_root).string(),
                                     "--to-db-prefix",
                                     prefix,
                                     "--db-upgrade",
                                     std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db",
                                     "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    test::ProcessOptions options;
    options.extra_env = std::move(env);
    return test::run_civiup(args, options);
  }

  ProcessResult cleanup() {
    return test::run_civiup({"rehearse", "--cleanup", "--to-root", copy_root().string(), "--json"});
  }

  bool database_exists(const std::string& name) {
    auto connection = test::connect();
    return test::query_column(*connection,
                              "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '" + name + "'")
               .front() != "0";
  }
};

TEST_F(RehearseTest, TheCopyIsUpgradedAndProductionIsUntouched) {
  ProcessResult snapshot = test::run_civiup({"snapshot", "--root", site_.root.string(), "--json"});
  ASSERT_EQ(snapshot.exit_code, 0) << snapshot.err;  // production has a state directory to keep unchanged
  SiteState before = state();
  auto state_before = test::tree_fingerprint(state_dir());

  ProcessResult result = rehearse();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_TRUE(out["ok"].get<bool>());
  EXPECT_TRUE(out["error"].is_null());
  EXPECT_EQ(out["command"], "rehearse");
  EXPECT_EQ(out["to_root"], copy_root().string());
  EXPECT_EQ(out["phases"].size(), phases::phase_order("upgrade").size());
  EXPECT_EQ(out["copy_steps"].size(), 3u);
  EXPECT_GT(out["maintenance_seconds"].get<double>(), 0.0);
  EXPECT_EQ(out["predicted_maintenance_seconds"], out["maintenance_seconds"]);
  EXPECT_TRUE(out["snapshot"]["id"].is_string());
  EXPECT_TRUE(out["kept"].get<bool>());
  EXPECT_TRUE(fs::exists(out["log"].get<std::string>()));
  EXPECT_EQ(result.err.find('\r'), std::string::npos) << "no progress line without a terminal";

  // The copy: upgraded, pointing at itself only.
  EXPECT_EQ(read_code_version(copy_root() / "modules" / "civicrm").str(), kTo);
  EXPECT_EQ(query(copy_db(site_.civicrm_db), "SELECT version FROM civicrm_domain LIMIT 1"), kTo);
  Site copy = discover_site(copy_root());
  EXPECT_EQ(copy.backdrop.database.database, copy_db(site_.backdrop_db));
  EXPECT_EQ(copy.civicrm.dsn.database, copy_db(site_.civicrm_db));
  EXPECT_EQ(copy.civicrm.uf_dsn.database, copy_db(site_.backdrop_db));
  EXPECT_EQ(copy.civicrm.template_compile_dir.string().rfind(copy_root().string(), 0), 0u);
  ASSERT_TRUE(copy.civicrm.civicrm_root.has_value());
  EXPECT_EQ(copy.civicrm.civicrm_root->string().rfind(copy_root().string(), 0), 0u);
  EXPECT_EQ(query(copy_db(site_.civicrm_db),
                  "SELECT COUNT(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE() AND "
                  "VIEW_DEFINITION LIKE '%`" +
                      site_.civicrm_db + "`%'"),
            "0")
      << "the copy's views must not read production's tables";

  // Production: code, databases (definitions and checksums) and state directory as they were.
  expect_same(before, state());
  auto state_after = test::tree_fingerprint(state_dir());
  EXPECT_TRUE(state_before == state_after) << test::describe_differences(state_before, state_after);

  // --cleanup removes the copy and exactly its databases.
  ProcessResult cleaned = cleanup();
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.out << cleaned.err;
  EXPECT_FALSE(fs::exists(copy_root()));
  EXPECT_FALSE(fs::exists(copy_state()));
  EXPECT_FALSE(database_exists(copy_db(site_.backdrop_db)));
  EXPECT_FALSE(database_exists(copy_db(site_.civicrm_db)));
  expect_same(before, state());
}

TEST_F(RehearseTest, AFailingUpgradeIsReportedWithItsLogAndTheCopyIsKept) {
  SiteState before = state();
  ProcessResult result = rehearse({{"CIVIUP_STANDIN_FAIL_AT", "change-rows"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_FALSE(out["ok"].get<bool>());
  EXPECT_NE(out["error"].get<std::string>().find("phase upgrade-database"), std::string::npos) << out["error"];
  EXPECT_NE(out["error"].get<std::string>().find("exited with status"), std::string::npos) << out["error"];
  EXPECT_EQ(out["outcome"], "rolled-back");
  std::string log = out["log"].get<std::string>();
  EXPECT_NE(read_file_if_present(log).find("failed at step 'change-rows'"), std::string::npos) << log;
  EXPECT_TRUE(out["kept"].get<bool>());
  EXPECT_EQ(read_code_version(copy_root() / "modules" / "civicrm").str(), kFrom) << "the copy rolled back";
  expect_same(before, state());
  EXPECT_FALSE(fs::exists(state_dir())) << "rehearse never creates production's state directory";
  ASSERT_EQ(cleanup().exit_code, 0);
  EXPECT_FALSE(database_exists(copy_db(site_.civicrm_db)));
}

TEST_F(RehearseTest, CleanupRemovesTheCopyAfterASuccessfulRehearsal) {
  SiteState before = state();
  ProcessResult result = rehearse({}, {"--cleanup"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(json_of(result)["cleaned_up"].get<bool>());
  EXPECT_FALSE(fs::exists(copy_root()));
  EXPECT_FALSE(fs::exists(copy_state()));
  EXPECT_FALSE(database_exists(copy_db(site_.backdrop_db)));
  EXPECT_FALSE(database_exists(copy_db(site_.civicrm_db)));
  expect_same(before, state());
}

// The site's own account cannot create databases outside its grants: rehearse
// refuses before it copies anything, naming the grant that would do.
TEST_F(RehearseTest, APrefixTheSiteAccountHasNoGrantForIsRefusedWithTheGrant) {
  ProcessResult result = rehearse({}, {}, {}, "nogrant_");
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  nlohmann::json json = json_of(result);
  const std::string error = json.value("error", "");
  EXPECT_NE(error.find("cannot create and upgrade the copy database nogrant_"), std::string::npos) << error;
  EXPECT_NE(error.find("GRANT ALL ON `nogrant\\_%`.* TO '" + site_.account.user + "'@'%'"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(copy_root()));
  EXPECT_FALSE(database_exists("nogrant_" + site_.civicrm_db));
}

TEST_F(RehearseTest, UnsafeTargetsAreRefusedBeforeAnythingIsMade) {
  SiteState before = state();
  auto refused = [&](const ProcessResult& result, const std::string& cause) {
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    EXPECT_NE(result.err.find(cause), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "one line: " << result.err;
  };
  refused(rehearse({}, {}, site_.root / "files" / "copy"), "must not contain each other");
  refused(rehearse({}, {}, site_.root.parent_path()), "must not contain each other");
  test::write_text(tmp_ / "busy" / "file", "x");
  refused(rehearse({}, {}, tmp_ / "busy"), "not an empty directory");
  refused(rehearse({}, {}, {}, "bad-prefix"), "only letters, digits and _");
  refused(rehearse({}, {}, {}, ""), "--to-db-prefix");
  // A copy database that exists already (someone else's) is never written into.
  auto connection = test::connect();
  test::execute(*connection, "CREATE DATABASE `" + copy_db(site_.civicrm_db) + "`");
  refused(rehearse(), "exists already");
  test::execute(*connection, "DROP DATABASE `" + copy_db(site_.civicrm_db) + "`");
  EXPECT_FALSE(fs::exists(copy_root()));
  EXPECT_FALSE(fs::exists(copy_state()));
  EXPECT_FALSE(fs::exists(tmp_ / "busy.civiup"));
  expect_same(before, state());
  // A directory that is not a copy is never removed by --cleanup.
  ProcessResult not_a_copy = test::run_civiup({"rehearse", "--cleanup", "--to-root", (tmp_ / "busy").string()});
  EXPECT_EQ(not_a_copy.exit_code, 2) << not_a_copy.err;
  EXPECT_TRUE(fs::exists(tmp_ / "busy" / "file"));
}

// A prefix that turns one production database's name into the other's.
class RehearseCollisionTest : public RehearseTest {
 protected:
  void SetUp() override {
    test::require_test_server();
    testbed::SiteSpec spec = default_site_spec();
    spec.civicrm_db = copy_db(backdrop_db_.name());  // the "copy" name of the Backdrop database
    spec.databases_array_form = true;
    make_site_and_release(tmp_ / "site", spec);
  }
  void TearDown() override {
    auto connection = test::connect();
    test::execute(*connection, "DROP DATABASE IF EXISTS `" + site_.civicrm_db + "`");
  }
};

TEST_F(RehearseCollisionTest, APrefixThatHitsAProductionDatabaseIsRefused) {
  SiteState before = state();
  ProcessResult result = rehearse();
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("a production database"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(copy_root()));
  expect_same(before, state());
}

}  // namespace
}  // namespace civiup
