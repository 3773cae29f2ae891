// The generated site's files and Backdrop database: what civiup's site
// discovery and Backdrop operations will read and write.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "generated_site.hpp"
#include "support/process.hpp"
#include "tarball_reader.hpp"

namespace civiup::test {
namespace {

namespace fs = std::filesystem;

std::string capture(const std::string& text, const std::string& pattern) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex(pattern))) return "<no match for " + pattern + ">";
  return match[1];
}

size_t regular_files_under(const fs::path& dir) {
  size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) count += entry.is_regular_file() ? 1U : 0U;
  return count;
}

// The account in the settings is the site's own: ALL on its two databases and
// nothing global, as the CiviCRM installer and hosting panels make it; it is
// the DEFINER of CiviCRM's function, triggers and views.
TEST(Site, TheSitesAccountHasAllOnItsDatabasesOnlyAndDefinesItsPrograms) {
  GeneratedSite generated;
  const auto& site = generated.site();
  EXPECT_EQ(site.account.user, site.backdrop_db);
  EXPECT_NE(site.account.user, testbed_server().user);
  auto connection = connect();
  std::vector<std::string> grants =
      query_column(*connection, fmt::format("SHOW GRANTS FOR '{}'@'%'", site.account.user));
  std::sort(grants.begin(), grants.end());
  ASSERT_EQ(grants.size(), 3u) << fmt::format("{}", fmt::join(grants, "\n"));
  EXPECT_TRUE(grants[0].starts_with(fmt::format("GRANT ALL PRIVILEGES ON `{}`.*", site.backdrop_db))) << grants[0];
  EXPECT_TRUE(grants[1].starts_with(fmt::format("GRANT ALL PRIVILEGES ON `{}`.*", site.civicrm_db))) << grants[1];
  EXPECT_TRUE(grants[2].starts_with("GRANT USAGE ON *.*")) << grants[2];
  const std::string definer = site.account.user + "@%";
  for (const char* query :
       {"SELECT DISTINCT DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()",
        "SELECT DISTINCT DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()",
        "SELECT DISTINCT DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"})
    EXPECT_EQ(generated.civicrm(query), std::vector<std::string>{definer}) << query;

  // --privileged-db-user: the server's own account in the settings.
  testbed::SiteSpec spec;
  spec.privileged_db_user = true;
  GeneratedSite privileged(spec);
  EXPECT_EQ(privileged.site().account.user, testbed_server().user);
  EXPECT_NE(read_file(privileged.site().root / "civicrm.settings.php")
                .find(testbed_server().dsn(privileged.site().civicrm_db)),
            std::string::npos);
}

TEST(Site, SettingsPhpHoldsTheDsnAndTheConfigDirectory) {
  GeneratedSite generated;
  const auto& site = generated.site();
  const std::string settings = read_file(site.root / "settings.php");
  EXPECT_TRUE(settings.starts_with("<?php\n"));
  EXPECT_EQ(capture(settings, R"(\n\$database = '([^']*)';)"), site.account.dsn(site.backdrop_db));
  EXPECT_EQ(capture(settings, R"(\n\$database_prefix = '([^']*)';)"), "");
  const std::string active = capture(settings, R"(\$config_directories\['active'\] = '([^']*)';)");
  EXPECT_TRUE(std::regex_match(active, std::regex("files/config_[0-9a-f]{32}/active"))) << active;
  EXPECT_EQ(site.root / active, site.config_dir);
  EXPECT_TRUE(fs::is_regular_file(site.config_dir / "system.core.json"));
  EXPECT_TRUE(fs::is_regular_file(site.root / "index.php"));
}

TEST(Site, SettingsPhpArrayFormCarriesThePrefix) {
  testbed::SiteSpec spec;
  spec.databases_array_form = true;
  spec.table_prefix = "bd_";
  GeneratedSite generated(spec);
  const auto& site = generated.site();
  const std::string settings = read_file(site.root / "settings.php");
  EXPECT_EQ(settings.find("\n$database = "), std::string::npos);
  EXPECT_NE(settings.find("$databases['default']['default'] = array("), std::string::npos) << settings;
  EXPECT_EQ(capture(settings, R"('database' => '([^']*)')"), site.backdrop_db);
  EXPECT_EQ(capture(settings, R"('username' => '([^']*)')"), site.account.user);
  EXPECT_EQ(capture(settings, R"('password' => '([^']*)')"), site.account.password);
  EXPECT_EQ(capture(settings, R"('port' => '([^']*)')"), std::to_string(testbed_server().port));
  EXPECT_EQ(capture(settings, R"('prefix' => '([^']*)')"), "bd_");
  // The Backdrop tables carry the prefix; CiviCRM's never do.
  EXPECT_EQ(generated.backdrop("SELECT value FROM bd_state WHERE name = 'maintenance_mode'"),
            std::vector<std::string>{"b:0;"});
  EXPECT_EQ(generated.civicrm_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                                    " AND TABLE_NAME = 'civicrm_domain'"),
            "1");
}

TEST(Site, CiviCrmSettingsDefinesAreGuardedAndPointAtTheSite) {
  GeneratedSite generated;
  const auto& site = generated.site();
  const std::string text = read_file(site.root / "civicrm.settings.php");
  EXPECT_TRUE(text.starts_with("<?php\n"));
  for (const std::string name : {"CIVICRM_DSN", "CIVICRM_UF_DSN", "CIVICRM_TEMPLATE_COMPILEDIR", "CIVICRM_UF"}) {
    // Every define sits inside its own if (!defined(...)) guard.
    const std::regex guarded(fmt::format(R"(if \(!defined\('{0}'\)\) \{{\n  define\('{0}', '[^']*'\);\n\}})", name));
    EXPECT_TRUE(std::regex_search(text, guarded)) << name;
  }
  EXPECT_EQ(capture(text, R"(define\('CIVICRM_DSN', '([^'?]*))"), site.account.dsn(site.civicrm_db));
  EXPECT_EQ(capture(text, R"(define\('CIVICRM_UF_DSN', '([^'?]*))"), site.account.dsn(site.backdrop_db));
  EXPECT_EQ(capture(text, R"(\$civicrm_root = '([^']*)';)"), (site.root / "modules" / "civicrm").string() + "/");
  const fs::path compiled = capture(text, R"(define\('CIVICRM_TEMPLATE_COMPILEDIR', '([^']*)')");
  EXPECT_EQ(compiled, site.root / "files" / "civicrm" / "templates_c" / "");
  EXPECT_GT(regular_files_under(compiled), 0u);
  EXPECT_GT(regular_files_under(site.root / "files" / "civicrm" / "custom"), 0u);
}

TEST(Site, SystemCoreJsonIsBackdropConfigWithTheFrontPage) {
  testbed::SiteSpec spec;
  spec.site_frontpage = "civicrm/dashboard";
  GeneratedSite generated(spec);
  const std::string text = read_file(generated.site().config_dir / "system.core.json");
  auto config = nlohmann::ordered_json::parse(text);  // throws if it is not JSON
  ASSERT_TRUE(config.is_object());
  EXPECT_EQ(config.begin().key(), "_config_name");
  EXPECT_EQ(config["_config_name"], "system.core");
  EXPECT_EQ(config["site_frontpage"], "civicrm/dashboard");
  EXPECT_NE(text.find("\n    \"site_frontpage\": \"civicrm/dashboard\""), std::string::npos) << "not pretty-printed";
}

TEST(Site, InstalledReleaseAndIntegrationModules) {
  testbed::SiteSpec spec;
  spec.version = "5.73.4";
  GeneratedSite generated(spec);
  const auto& site = generated.site();
  const fs::path civicrm = site.root / "modules" / "civicrm";
  EXPECT_EQ(capture(read_file(civicrm / "civicrm-version.php"), R"('version'\s*=>\s*'([^']+)')"), "5.73.4");
  EXPECT_EQ(capture(read_file(civicrm / "civicrm-version.php"), R"('cms'\s*=>\s*'([^']+)')"), "Backdrop");
  EXPECT_TRUE(fs::is_regular_file(civicrm / "backdrop" / "civicrm.info"));

  // One integration module depends on civicrm directly, one only through it.
  const std::string direct = read_file(site.root / "modules/civicrm_entity/civicrm_entity.info");
  EXPECT_NE(direct.find("dependencies[] = civicrm\n"), std::string::npos) << direct;
  const std::string transitive =
      read_file(site.root / "modules/custom/civicrm_entity_reports/civicrm_entity_reports.info");
  EXPECT_NE(transitive.find("dependencies[] = civicrm_entity\n"), std::string::npos) << transitive;
  EXPECT_EQ(transitive.find("dependencies[] = civicrm\n"), std::string::npos) << transitive;
  const auto& modules = site.integration_modules;
  for (const std::string name : {"civicrm_entity", "civicrm_entity_reports", "civicrmtheme"}) {
    EXPECT_NE(std::find(modules.begin(), modules.end(), name), modules.end()) << name;
  }
  EXPECT_EQ(std::find(modules.begin(), modules.end(), "civicrm"), modules.end());
  EXPECT_EQ(std::find(modules.begin(), modules.end(), "civicrm_group_roles"), modules.end()) << "it is disabled";
}

TEST(BackdropDatabase, HoldsStateSystemAndEveryCacheTable) {
  GeneratedSite generated;
  EXPECT_EQ(generated.backdrop("SELECT value FROM state WHERE name = 'maintenance_mode'"),
            std::vector<std::string>{"b:0;"});
  auto status = [&](const std::string& name) {
    auto values =
        generated.backdrop(fmt::format("SELECT status FROM system WHERE type = 'module' AND name = '{}'", name));
    return values.size() == 1 ? values[0] : "<" + std::to_string(values.size()) + " rows>";
  };
  EXPECT_EQ(status("civicrm"), "1");
  EXPECT_EQ(status("civicrm_entity"), "1");
  EXPECT_EQ(status("civicrm_entity_reports"), "1");
  EXPECT_EQ(status("civicrmtheme"), "1");
  EXPECT_EQ(status("civicrm_group_roles"), "0");
  EXPECT_EQ(status("webform"), "1");
  EXPECT_EQ(status("devel"), "0");
  EXPECT_EQ(generated.backdrop("SELECT filename FROM system WHERE name = 'civicrm'"),
            std::vector<std::string>{"modules/civicrm/backdrop/civicrm.module"});
  for (const std::string table : {"cache", "cache_bootstrap", "cache_page", "cache_views", "cache_layout_path"}) {
    EXPECT_GT(std::stoi(generated.backdrop("SELECT COUNT(*) FROM " + table).at(0)), 0) << table;
  }
  EXPECT_EQ(
      generated.backdrop("SELECT COUNT(*) FROM cache_bootstrap WHERE cid IN ('system_list', 'bootstrap_modules')"),
      std::vector<std::string>{"2"});
}

TEST(BackdropDatabase, SharedDatabaseHoldsBothSetsOfTables) {
  testbed::SiteSpec spec;
  spec.table_prefix = "bd_";
  GeneratedSite generated(spec, true);
  const auto& site = generated.site();
  EXPECT_EQ(site.backdrop_db, site.civicrm_db);
  const std::string settings = read_file(site.root / "civicrm.settings.php");
  EXPECT_EQ(capture(settings, R"(define\('CIVICRM_DSN', '([^'?]*))"), site.account.dsn(site.backdrop_db));
  EXPECT_EQ(generated.backdrop("SELECT value FROM bd_state WHERE name = 'maintenance_mode'"),
            std::vector<std::string>{"b:0;"});
  EXPECT_EQ(generated.civicrm_value("SELECT version FROM civicrm_domain"), generated.spec().version);
}

TEST(SiteCommand, GeneratesASiteFromTheCommandLine) {
  TempDir dir;
  ScratchDatabase backdrop("tbb");
  ScratchDatabase civicrm("tbc");
  const fs::path root = dir / "cli-site";
  auto result = run_process({testbed_binary(), "site", "--root", root.string(), "--version", "5.76.0", "--backdrop-db",
                             backdrop.name(), "--civicrm-db", civicrm.name(), "--prefix", "x_", "--databases-array",
                             "--frontpage", "civicrm/event", "--mb", "3"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, root.string() + "\n");
  EXPECT_NE(read_file(root / "settings.php").find("'prefix' => 'x_'"), std::string::npos);
  auto connection = civicrm.connect();
  EXPECT_EQ(query_column(*connection, "SELECT version FROM civicrm_domain"), std::vector<std::string>{"5.76.0"});
  auto backdrop_connection = backdrop.connect();
  EXPECT_EQ(query_column(*backdrop_connection, "SELECT COUNT(*) FROM x_system WHERE name = 'civicrm'"),
            std::vector<std::string>{"1"});
}

}  // namespace
}  // namespace civiup::test
