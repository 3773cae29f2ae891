// End to end, issue 14 points 3 and 4: a site's extensions directory is in
// every code snapshot wherever it is; extensions the new release retires come
// back with a rollback; CiviCRM 6.x releases upgrade like 5.x ones.
#include <gtest/gtest.h>

#include "civiup/site/site.hpp"
#include "civiup/snapshot/code/code_repository.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

class ExtensionsUpgradeTest : public UpgradeTest {
 protected:
  void SetUp() override { test::require_test_server(); }

  void make_site(const testbed::SiteSpec& spec) {
    site_ = testbed::generate_site(tmp_ / "site", testbed::DatabaseServer::from_environment(), spec);
  }

  void make_release(const std::string& version, const std::string& compatibility = {}) {
    testbed::ReleaseSpec release;
    release.version = version;
    if (!compatibility.empty()) release.extension_compatibility = compatibility;
    fs::path dir = tmp_ / ("release-" + version);
    fs::create_directories(dir);
    release_ = testbed::write_release_tarball(dir, release);
  }

  std::vector<snapshot::CodeSnapshotInfo> snapshots() const {
    return snapshot::CodeRepository::open(state_dir() / "code.git").list();
  }

  std::string extension_row(const std::string& key) {
    return query(site_.civicrm_db, "SELECT is_active FROM civicrm_extension WHERE full_name = '" + key + "'");
  }
};

TEST_F(ExtensionsUpgradeTest, AnExtensionsDirectoryOutsideFilesCivicrmIsInEverySnapshot) {
  testbed::SiteSpec spec = default_site_spec();
  spec.extensions_dir = "sites/all/extensions";
  spec.extensions_dir_setting = "[cms.root]/sites/all/extensions";
  make_site(spec);
  make_release(kTo);
  ProcessResult result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  ProcessResult manual = test::run_civiup({"snapshot", "--root", site_.root.string(), "--json"});
  ASSERT_EQ(manual.exit_code, 0) << manual.out << manual.err;
  std::vector<snapshot::CodeSnapshotInfo> all = snapshots();
  ASSERT_EQ(all.size(), 3u);  // pre-upgrade, post-upgrade, manual
  for (const snapshot::CodeSnapshotInfo& info : all) {
    EXPECT_NE(std::find(info.paths.begin(), info.paths.end(), "sites/all/extensions"), info.paths.end())
        << info.labels.at("kind") << ": " << nlohmann::json(info.paths).dump();
  }
}

constexpr const char* kRetiresLegacyReports =
    R"({"com.example.legacyreports": {"obsolete": "5.75", "disable": true, "uninstall": true}})";

// The stand-in upgrader does what CiviCRM's disableOldExtensions does.
TEST_F(ExtensionsUpgradeTest, AnExtensionTheReleaseRetiresIsGoneAfterTheUpgrade) {
  make_site(default_site_spec());
  make_release(kTo, kRetiresLegacyReports);
  ASSERT_EQ(extension_row("com.example.legacyreports"), "1");
  ProcessResult result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(extension_row("com.example.legacyreports"), "(no row)");
  EXPECT_EQ(extension_row("org.example.donorsearch"), "1");
  // The default extensions directory is in the snapshots through files/civicrm.
  for (const snapshot::CodeSnapshotInfo& info : snapshots()) {
    EXPECT_NE(std::find(info.paths.begin(), info.paths.end(), "files/civicrm"), info.paths.end());
    EXPECT_EQ(std::find(info.exclude.begin(), info.exclude.end(), "files/civicrm/ext"), info.exclude.end());
  }
}

TEST_F(ExtensionsUpgradeTest, AFailedUpgradeBringsARetiredExtensionBack) {
  make_site(default_site_spec());
  make_release(kTo, kRetiresLegacyReports);
  SiteState before = state();
  ProcessResult result = upgrade({{"CIVIUP_FAULT", "verify:after"}});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_EQ(extension_row("com.example.legacyreports"), "1");
  expect_same(before, state());
}

// One extended-support release to the next, across the major version.
TEST_F(ExtensionsUpgradeTest, From5_81To6_4) {
  testbed::SiteSpec spec = default_site_spec();
  spec.version = "5.81.0";
  make_site(spec);
  make_release("6.4.0");
  ProcessResult result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_EQ(out["from_version"], "5.81.0");
  EXPECT_EQ(out["to_version"], "6.4.0");
  EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), "6.4.0");
  EXPECT_EQ(query(site_.civicrm_db, "SELECT version FROM civicrm_domain LIMIT 1"), "6.4.0");
  EXPECT_TRUE(fs::exists(site_.root / "modules/civicrm/packages/Smarty/Smarty.class.php"));
}

// 6.18 moved Smarty into vendor/: the upgrade neither needs nor keeps packages/Smarty.
TEST_F(ExtensionsUpgradeTest, From6_4To6_19WithSmartyInVendor) {
  testbed::SiteSpec spec = default_site_spec();
  spec.version = "6.4.0";
  make_site(spec);
  make_release("6.19.0");
  ProcessResult check = test::run_civiup(
      {"check", "--root", site_.root.string(), "--release", release_.string(), "--db-upgrade", "/bin/true", "--json"});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  ProcessResult result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), "6.19.0");
  EXPECT_TRUE(fs::exists(site_.root / "modules/civicrm/vendor/smarty/smarty/libs/Smarty.class.php"));
  EXPECT_FALSE(fs::exists(site_.root / "modules/civicrm/packages/Smarty"));
  // And back: the rollback returns the 6.4 tree with its packages/Smarty.
  ProcessResult rollback = test::run_civiup({"rollback", "--root", site_.root.string(), "--yes", "--json"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.out << rollback.err;
  EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), "6.4.0");
  EXPECT_TRUE(fs::exists(site_.root / "modules/civicrm/packages/Smarty/Smarty.class.php"));
}

}  // namespace
}  // namespace civiup
