// Backdrop state changed directly in SQL, against the real MariaDB: values are
// written so Backdrop sees them (cache rows dropped) and put back byte-exactly.
#include <gtest/gtest.h>

#include "civiup/backdrop/backdrop_admin.hpp"
#include "civiup/backdrop/backdrop_config.hpp"
#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "support/site_dsn.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

namespace civiup {
namespace {

// The Backdrop tables civiup touches, as Backdrop 1.x creates them.
void create_backdrop_tables(sql::Connection& c, const std::string& prefix) {
  test::execute(c,
                "CREATE TABLE `" + prefix + "state` (name VARCHAR(255) NOT NULL PRIMARY KEY, value LONGBLOB NOT NULL)");
  test::execute(c, "CREATE TABLE `" + prefix +
                       "system` (filename VARCHAR(255) NOT NULL PRIMARY KEY, name VARCHAR(255) NOT NULL, "
                       "type VARCHAR(12) NOT NULL, status INT NOT NULL DEFAULT 0, KEY (type, name))");
  for (const char* cache : {"cache", "cache_bootstrap", "cache_page", "cache_views", "cache_layout_path"}) {
    test::execute(c, "CREATE TABLE `" + prefix + cache + "` (cid VARCHAR(255) NOT NULL PRIMARY KEY, data LONGBLOB)");
    test::execute(c, "INSERT INTO `" + prefix + cache +
                         "` VALUES ('states', 'x'), ('system_list', 'x'), "
                         "('bootstrap_modules', 'x'), ('other', 'x')");
  }
  test::execute(c, "INSERT INTO `" + prefix +
                       "system` VALUES "
                       "('modules/civicrm/backdrop/civicrm.module', 'civicrm', 'module', 1), "
                       "('modules/webform_civicrm/webform_civicrm.module', 'webform_civicrm', 'module', 1), "
                       "('modules/off/off.module', 'off', 'module', 0), "
                       "('themes/basis', 'basis', 'theme', 1)");
}

class BackdropDatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  test::ScratchDatabase database{"backdrop"};
  std::unique_ptr<sql::Connection> raw = database.connect();
  std::unique_ptr<DatabaseSession> session;
  void SetUp() override {
    create_backdrop_tables(*raw, GetParam());
    session = connect_database(test::site_dsn(database.name()));
  }
  std::string count(const std::string& sql) { return test::query_column(*raw, sql).at(0); }
};

TEST_P(BackdropDatabaseTest, MaintenanceModeIsWrittenSerializedAndCachesDropped) {
  BackdropDatabase backdrop(*session, GetParam());
  EXPECT_FALSE(backdrop.maintenance_mode());
  EXPECT_EQ(backdrop.state_value("maintenance_mode"), std::nullopt);
  backdrop.set_maintenance_mode(true);
  EXPECT_TRUE(backdrop.maintenance_mode());
  EXPECT_EQ(test::query_column(*raw, "SELECT value FROM `" + GetParam() + "state` WHERE name='maintenance_mode'"),
            (std::vector<std::string>{"b:1;"}));
  EXPECT_EQ(count("SELECT COUNT(*) FROM `" + GetParam() + "cache` WHERE cid='states'"), "0");
  EXPECT_EQ(count("SELECT COUNT(*) FROM `" + GetParam() + "cache` WHERE cid='other'"), "1");
  EXPECT_EQ(count("SELECT COUNT(*) FROM `" + GetParam() + "cache_page`"), "0");
  // Undo puts back "no row at all", not b:0;
  backdrop.set_state_value("maintenance_mode", std::nullopt);
  EXPECT_EQ(count("SELECT COUNT(*) FROM `" + GetParam() + "state`"), "0");
}

TEST_P(BackdropDatabaseTest, ModulesAreListedAndSwitchedWithBootstrapCacheDropped) {
  BackdropDatabase backdrop(*session, GetParam());
  EXPECT_EQ(backdrop.enabled_modules(), (std::set<std::string>{"civicrm", "webform_civicrm"}));
  EXPECT_EQ(backdrop.module_status("webform_civicrm"), "1");
  EXPECT_EQ(backdrop.module_status("missing"), std::nullopt);
  backdrop.set_module_status("webform_civicrm", "0");
  EXPECT_EQ(backdrop.enabled_modules(), (std::set<std::string>{"civicrm"}));
  EXPECT_EQ(count("SELECT COUNT(*) FROM `" + GetParam() +
                  "cache_bootstrap` WHERE cid IN ('system_list','bootstrap_modules')"),
            "0");
  EXPECT_EQ(count("SELECT COUNT(*) FROM `" + GetParam() + "cache_bootstrap` WHERE cid='other'"), "1");
}

TEST_P(BackdropDatabaseTest, ClearCachesEmptiesViewsPageAndLayoutCaches) {
  BackdropDatabase backdrop(*session, GetParam());
  backdrop.clear_caches();
  for (const char* cache : {"cache_views", "cache_page", "cache_layout_path"}) {
    EXPECT_EQ(count("SELECT COUNT(*) FROM `" + GetParam() + cache + "`"), "0") << cache;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM `" + GetParam() + "cache` WHERE cid='other'"), "1");
}

INSTANTIATE_TEST_SUITE_P(Prefixes, BackdropDatabaseTest, ::testing::Values("", "bd_"), [](const auto& param_info) {
  return param_info.param.empty() ? std::string("NoPrefix") : std::string("Prefix");
});

TEST(PhpSerialized, TruthinessAsPhpSeesIt) {
  EXPECT_TRUE(php_unserialize_truthy("b:1;"));
  EXPECT_FALSE(php_unserialize_truthy("b:0;"));
  EXPECT_TRUE(php_unserialize_truthy("i:1;"));
  EXPECT_FALSE(php_unserialize_truthy("i:0;"));
  EXPECT_TRUE(php_unserialize_truthy("s:1:\"1\";"));
  EXPECT_FALSE(php_unserialize_truthy("s:1:\"0\";"));
  EXPECT_FALSE(php_unserialize_truthy("s:0:\"\";"));
  EXPECT_THROW(php_unserialize_truthy("a:0:{}"), Error);
}

TEST(FrontPage, ReadAndWriteKeepOrderIndentationAndOwner) {
  test::TempDir dir;
  std::string original =
      "{\n    \"_config_name\": \"system.core\",\n    \"site_name\": \"Caf\xC3\xA9 / Site\",\n"
      "    \"site_frontpage\": \"civicrm/dashboard\",\n    \"zzz\": [1, 2]\n}\n";
  test::write_text(dir / "active/system.core.json", original);
  ASSERT_EQ(::chown((dir / "active/system.core.json").c_str(), 33, 33), 0);
  ASSERT_EQ(::chmod((dir / "active/system.core.json").c_str(), 0640), 0);
  EXPECT_EQ(read_frontpage(dir / "active"), "civicrm/dashboard");
  EXPECT_TRUE(is_civicrm_path("civicrm/dashboard"));
  write_frontpage(dir / "active", "node");
  EXPECT_EQ(read_frontpage(dir / "active"), "node");
  std::string updated = read_file(dir / "active/system.core.json");
  EXPECT_EQ(updated,
            "{\n    \"_config_name\": \"system.core\",\n    \"site_name\": \"Caf\xC3\xA9 / Site\",\n"
            "    \"site_frontpage\": \"node\",\n    \"zzz\": [\n        1,\n        2\n    ]\n}\n");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "active/system.core.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 33u);
  EXPECT_EQ(st.st_gid, 33u);
  EXPECT_EQ(st.st_mode & 07777, 0640u);
}

TEST(FrontPage, BrokenConfigIsAnErrorNamingTheFile) {
  test::TempDir dir;
  test::write_text(dir / "active/system.core.json", "{ not json");
  try {
    read_frontpage(dir / "active");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "active/system.core.json").string() + ": not valid JSON", 0), 0u)
        << e.what();
  }
}

TEST(FrontPage, CivicrmPaths) {
  EXPECT_TRUE(is_civicrm_path("civicrm"));
  EXPECT_TRUE(is_civicrm_path("/civicrm/contact/search"));
  EXPECT_FALSE(is_civicrm_path("civicrmx"));
  EXPECT_FALSE(is_civicrm_path("node/1"));
}

}  // namespace
}  // namespace civiup
