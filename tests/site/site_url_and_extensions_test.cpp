// From the settings files alone: the site's base URL (for the default health
// check), where CiviCRM keeps its extensions, and the release's
// extension-compatibility.json; plus the probe's bound on an unreachable URL.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>

#include "civiup/backdrop/civicrm_extensions.hpp"
#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/check/health_check_plan.hpp"
#include "civiup/site/site.hpp"
#include "civiup/site/site_snapshot.hpp"
#include "site/site_files.hpp"

namespace civiup {
namespace {

namespace fs = std::filesystem;
using test::write_site;
using test::write_text;

class SiteSettings : public ::testing::Test {
 protected:
  void SetUp() override { write_site(root); }
  void append(const fs::path& file, const std::string& text) { write_text(file, read_file(file) + text); }
  BackdropSettings backdrop() { return read_backdrop_settings(root); }
  CiviCrmSettings civicrm() { return read_civicrm_settings(root); }

  test::TempDir temp;
  fs::path root = temp / "www";
};

TEST_F(SiteSettings, BaseUrlComesFromBaseUrlThenCiviCrmBaseUrl) {
  EXPECT_EQ(site_base_url(backdrop(), civicrm()).skipped,
            "no base URL in the settings ($base_url in settings.php, CIVICRM_UF_BASEURL in civicrm.settings.php)");
  append(root / "civicrm.settings.php",
         "if (!defined('CIVICRM_UF_BASEURL')) {\n  define('CIVICRM_UF_BASEURL', 'https://crm.example.org/');\n}\n");
  HealthCheckPlan plan = site_base_url(backdrop(), civicrm());
  EXPECT_EQ(plan.url, "https://crm.example.org/");
  EXPECT_EQ(plan.source, "CIVICRM_UF_BASEURL in civicrm.settings.php");
  append(root / "settings.php", "$base_url = 'https://www.example.org';\n");
  plan = site_base_url(backdrop(), civicrm());
  EXPECT_EQ(plan.url, "https://www.example.org");
  EXPECT_EQ(plan.source, "$base_url in settings.php");
}

TEST_F(SiteSettings, ABaseUrlBuiltAtRunTimeIsAReasonNotAnError) {
  append(root / "settings.php", "$base_url = 'https://' . $_SERVER['HTTP_HOST'];\n");
  append(root / "civicrm.settings.php", "define('CIVICRM_UF_BASEURL', 'example.org/');\n");
  HealthCheckPlan plan = site_base_url(backdrop(), civicrm());
  EXPECT_TRUE(plan.url.empty());
  EXPECT_NE(plan.skipped.find("$base_url is not a plain string"), std::string::npos) << plan.skipped;
  EXPECT_NE(plan.skipped.find("'example.org/', not an http(s) URL"), std::string::npos) << plan.skipped;
}

// Name resolution and connect are bounded by the 2 s connect timeout.
TEST_F(SiteSettings, AnUnreachableOrUnresolvableUrlIsSkippedWithinTwoSeconds) {
  for (const char* url : {"http://127.0.0.1:1/", "http://civiup-no-such-host.invalid/"}) {
    append(root / "settings.php", fmt::format("$base_url = '{}';\n", url));
    auto start = std::chrono::steady_clock::now();
    HealthCheckPlan plan = plan_health_check("", false, backdrop(), civicrm());
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_TRUE(plan.url.empty()) << url;
    EXPECT_NE(plan.skipped.find("did not pass before the upgrade"), std::string::npos) << plan.skipped;
    EXPECT_LT(seconds, 2.5) << url;
    std::cout << "[ measure  ] probe of " << url << ": " << seconds << " s\n";
  }
  EXPECT_EQ(plan_health_check("", true, backdrop(), civicrm()).skipped, "turned off by --no-health-check");
  EXPECT_EQ(plan_health_check("https://x.example", false, backdrop(), civicrm()).url, "https://x.example");
}

TEST_F(SiteSettings, ExtensionsDirDefaultsToFilesCiviCrmExt) {
  ExtensionsDir dir = find_extensions_dir(root, backdrop(), civicrm(), nullptr);
  EXPECT_EQ(dir.setting, "[civicrm.files]/ext/");
  EXPECT_EQ(dir.source, "default");
  EXPECT_EQ(dir.path, root / "files" / "civicrm" / "ext");
  EXPECT_EQ(extensions_snapshot_path(root, dir.path), "files/civicrm/ext");
  // files/civicrm holds it already: no path of its own in the snapshot.
  fs::create_directories(root / "files" / "civicrm" / "ext");
  auto spec = site_code_snapshot_spec(root, backdrop(), civicrm(), dir.path);
  EXPECT_EQ(std::count(spec.paths.begin(), spec.paths.end(), "files/civicrm/ext"), 0);
  EXPECT_EQ(std::count(spec.paths.begin(), spec.paths.end(), "files/civicrm"), 1);
}

TEST_F(SiteSettings, ExtensionsDirFromCiviCrmSettingAndPaths) {
  append(root / "civicrm.settings.php", "$civicrm_setting['domain']['extensionsDir'] = '[cms.root]/sites/ext';\n");
  ExtensionsDir dir = find_extensions_dir(root, backdrop(), civicrm(), nullptr);
  EXPECT_EQ(dir.source, "$civicrm_setting in civicrm.settings.php");
  EXPECT_EQ(dir.path, root / "sites" / "ext");
  fs::create_directories(root / "sites" / "ext");
  auto spec = site_code_snapshot_spec(root, backdrop(), civicrm(), dir.path);
  EXPECT_EQ(std::count(spec.paths.begin(), spec.paths.end(), "sites/ext"), 1);

  // Relative: under [civicrm.files], which $civicrm_paths may move.
  append(root / "civicrm.settings.php",
         "$civicrm_setting['Directory Preferences']['extensionsDir'] = 'myext/';\n"
         "$civicrm_paths['civicrm.files']['path'] = '/srv/civi-files';\n");
  EXPECT_EQ(find_extensions_dir(root, backdrop(), civicrm(), nullptr).path, fs::path("/srv/civi-files/myext"));
  // Groups merge in the order they were made: a later group wins, as in PHP's array_merge.
  append(root / "civicrm.settings.php",
         "$civicrm_setting['Directory Preferences']['extensionsDir'] = '/opt/civicrm-ext/';\n");
  dir = find_extensions_dir(root, backdrop(), civicrm(), nullptr);
  EXPECT_EQ(dir.path, fs::path("/opt/civicrm-ext"));
  EXPECT_EQ(extensions_snapshot_path(root, dir.path), "");
  append(root / "civicrm.settings.php",
         "$civicrm_setting['Directory Preferences']['extensionsDir'] = '[nowhere.known]/ext';\n");
  EXPECT_THROW(find_extensions_dir(root, backdrop(), civicrm(), nullptr), Error);  // the caller notes it
}

TEST(ExtensionCompatibility, ParsesCiviCrmsFormat) {
  auto entries = parse_extension_compatibility(R"({
    "hotfix_extup": {"obsolete": "6.1", "force-uninstall": true},
    "org.civicrm.angularex": {"obsolete": "5.69", "disable": true, "uninstall": true},
    "org.civicrm.afform-gui": {"obsolete": "5.35", "force-uninstall": true, "replacement": "org.civicrm.afform_admin"},
    "only.disabled": {"obsolete": "5.80", "disable": true},
    "only.listed": {"obsolete": "5.8"}})",
                                               "x.json");
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(upgrade_action(entries["hotfix_extup"]), "force-uninstall");
  EXPECT_EQ(upgrade_action(entries["org.civicrm.angularex"]), "disable, uninstall");
  EXPECT_EQ(entries["org.civicrm.angularex"].obsolete, "5.69");
  EXPECT_EQ(entries["org.civicrm.afform-gui"].replacement, "org.civicrm.afform_admin");
  EXPECT_EQ(upgrade_action(entries["only.disabled"]), "disable");
  EXPECT_EQ(upgrade_action(entries["only.listed"]), "none");
  EXPECT_THROW(parse_extension_compatibility("[1, 2]", "x.json"), Error);
  EXPECT_THROW(parse_extension_compatibility("{\"a\": 1", "x.json"), Error);
}

TEST(ExtensionCompatibility, PhpSerializedSettingValues) {
  EXPECT_EQ(php_unserialize_string("s:20:\"[civicrm.files]/ext/\";"), "[civicrm.files]/ext/");
  EXPECT_EQ(php_unserialize_string("s:0:\"\";"), "");
  EXPECT_FALSE(php_unserialize_string("s:5:\"abc\";"));
  EXPECT_FALSE(php_unserialize_string("b:1;"));
  EXPECT_FALSE(php_unserialize_string("N;"));
}

}  // namespace
}  // namespace civiup
