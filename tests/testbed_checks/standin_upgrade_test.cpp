// The stand-in `cv upgrade:db` (civiup-testbed upgrade-db), run as civiup will
// run it: a process in the site root, judged by its exit code, its output and
// the database it leaves behind.
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include <fmt/format.h>

#include "generated_site.hpp"
#include "support/process.hpp"
#include "tarball_reader.hpp"

namespace civiup::test {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A 5.74.0 site whose code was just replaced by `code_version`, as civiup's swap leaves it.
class StandinUpgrade : public ::testing::Test {
 protected:
  void install_code(const std::string& version) {
    const fs::path modules = site_.root() / "modules";
    fs::remove_all(modules / "civicrm");
    testbed::ReleaseSpec release;
    release.version = version;
    testbed::write_release_tree(modules, release);
  }

  ProcessResult upgrade(std::map<std::string, std::string> knobs = {}, std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {testbed_binary(), "upgrade-db", "--no-interaction"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions options;
    options.cwd = site_.root();
    options.extra_env = std::move(knobs);
    return run_process(argv, options);
  }

  std::string db_version() const { return site_.civicrm_value("SELECT version FROM civicrm_domain"); }
  std::string count(const std::string& query) const { return site_.civicrm_value(query); }
  std::string has_table(const std::string& name) const {
    return count("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '" +
                 name + "'");
  }
  std::string trigger_count() const {
    return count("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()");
  }

  GeneratedSite site_;
};

TEST_F(StandinUpgrade, UpgradesToTheInstalledCodeVersion) {
  install_code("5.75.0");
  const std::string triggers = trigger_count();
  auto result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(contains(result.out, "Found CiviCRM database version 5.74.0.\nFound CiviCRM code version 5.75.0.\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "Finish Upgrade DB to 5.75.0\n")) << result.out;
  EXPECT_EQ(db_version(), "5.75.0");
  // A column added, a table created, rows changed, triggers back.
  EXPECT_EQ(count("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                  " AND TABLE_NAME = 'civicrm_contact' AND COLUMN_NAME = 'upgrade_5_75_0_note'"),
            "1");
  EXPECT_EQ(has_table("civicrm_standin_5_75_0"), "1");
  EXPECT_EQ(count("SELECT value FROM civicrm_standin_5_75_0 WHERE name = 'upgraded_from'"), "5.74.0");
  EXPECT_GT(std::stoi(count("SELECT COUNT(*) FROM civicrm_contact WHERE upgrade_5_75_0_note IS NOT NULL")), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM civicrm_option_value WHERE name = 'Upgrade 5.75.0'"), "1");
  EXPECT_EQ(count("SELECT COUNT(*) FROM civicrm_cache"), "0");
  EXPECT_EQ(trigger_count(), triggers);
}

TEST_F(StandinUpgrade, TargetFromToOptionAndAlreadyUpgradedIsANoOp) {
  auto same = upgrade();
  ASSERT_EQ(same.exit_code, 0) << same.err;
  EXPECT_TRUE(contains(same.out, "You are already upgraded to CiviCRM 5.74.0")) << same.out;
  EXPECT_EQ(db_version(), "5.74.0");
  EXPECT_EQ(has_table("civicrm_standin_5_74_0"), "0");

  auto to = upgrade({}, {"--to", "5.76.2"});
  ASSERT_EQ(to.exit_code, 0) << to.err;
  EXPECT_EQ(db_version(), "5.76.2");
}

TEST_F(StandinUpgrade, FailAtAStepExitsNonZeroLeavingTheUpgradeMark) {
  install_code("5.75.0");
  auto result = upgrade({{"CIVIUP_STANDIN_FAIL_AT", "change-rows"}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(contains(result.err, "failed at step 'change-rows'")) << result.err;
  EXPECT_EQ(db_version(), "5.75.0.upgrade");
  EXPECT_EQ(has_table("civicrm_standin_5_75_0"), "1") << "steps before the failure ran";
  EXPECT_EQ(trigger_count(), "0") << "the triggers were dropped and not rebuilt";

  // A half-upgraded database is refused, as CiviCRM does.
  auto again = upgrade();
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_TRUE(contains(again.err, "partial upgrade")) << again.err;
  EXPECT_EQ(db_version(), "5.75.0.upgrade");
}

TEST_F(StandinUpgrade, FailAtStartChangesNothing) {
  install_code("5.75.0");
  const std::string triggers = trigger_count();
  auto result = upgrade({{"CIVIUP_STANDIN_FAIL_AT", "start"}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(db_version(), "5.74.0");
  EXPECT_EQ(trigger_count(), triggers);
}

TEST_F(StandinUpgrade, HangIsEndedOnlyByATimeout) {
  install_code("5.75.0");
  const auto started = std::chrono::steady_clock::now();
  ProcessOptions options;
  options.cwd = site_.root();
  options.extra_env = {{"CIVIUP_STANDIN_HANG", "add-column"}};
  auto result = run_process({"timeout", "--signal=TERM", "2", testbed_binary(), "upgrade-db"}, options);
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(result.exit_code, 124) << "timeout(1) reports a command it had to stop with 124\n"
                                   << result.out << result.err;
  EXPECT_GE(seconds, 1.9);
  EXPECT_TRUE(contains(result.out, "Hanging at step 'add-column'")) << result.out;
  EXPECT_EQ(db_version(), "5.75.0.upgrade");
}

TEST_F(StandinUpgrade, Exit0LeavesTheUpgradeVersionBehindAsBeeDoes) {
  install_code("5.75.0");
  auto result = upgrade({{"CIVIUP_STANDIN_EXIT0_UPGRADE", "1"}});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(contains(result.out, "[error]")) << result.out;
  EXPECT_EQ(db_version(), "5.75.0.upgrade");
}

TEST_F(StandinUpgrade, DowngradeIsRefused) {
  install_code("5.73.0");
  auto result = upgrade();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_TRUE(contains(result.err, "unexpected version number: 5.74.0")) << result.err;
  EXPECT_EQ(db_version(), "5.74.0");
}

TEST_F(StandinUpgrade, LogRecordsTheWorkingDirectoryAndOutcome) {
  install_code("5.75.0");
  TempDir logs;
  const fs::path log = logs / "standin.log";
  ASSERT_EQ(upgrade({{"CIVIUP_STANDIN_LOG", log.string()}, {"CIVIUP_STANDIN_DELAY_MS", "10"}}).exit_code, 0);
  EXPECT_EQ(read_file(log), fmt::format("cwd={} from=5.74.0 to=5.75.0 outcome=upgraded\n", site_.root().string()));
}

TEST_F(StandinUpgrade, UnknownStepInAKnobIsAUsageError) {
  auto result = upgrade({{"CIVIUP_STANDIN_FAIL_AT", "no-such-step"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "unknown step 'no-such-step'")) << result.err;
  EXPECT_EQ(db_version(), "5.74.0");
}

TEST(StandinUpgradeOutsideASite, NamesTheMissingSettingsFile) {
  TempDir empty;
  ProcessOptions options;
  options.cwd = empty.path();
  auto result = run_process({testbed_binary(), "upgrade-db"}, options);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(contains(result.err, "civicrm.settings.php")) << result.err;
}

}  // namespace
}  // namespace civiup::test
