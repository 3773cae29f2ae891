// Site discovery from files: the Backdrop root, settings.php in both forms,
// settings.local.php, the active config directory, civicrm.settings.php read
// as text, and the code version.  Each broken item is one line naming the file.
#include <gtest/gtest.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/site/php_settings.hpp"
#include "civiup/site/site.hpp"
#include "site/site_files.hpp"
#include "support/error_of.hpp"

namespace civiup {
namespace {

namespace fs = std::filesystem;
using test::write_site;
using test::write_text;

using test::error_of;

#define EXPECT_ONE_LINE_ERROR(body, needle)                          \
  do {                                                               \
    std::string message_ = error_of([&] { (void)(body); });          \
    EXPECT_NE(message_.find(needle), std::string::npos) << message_; \
    EXPECT_EQ(message_.find('\n'), std::string::npos) << message_;   \
  } while (false)

class Discovery : public ::testing::Test {
 protected:
  test::TempDir temp;
  fs::path root = temp / "www";
};

TEST_F(Discovery, RootFromTheRootOption) {
  write_site(root);
  EXPECT_EQ(find_backdrop_root(root, "/"), root);
}

TEST_F(Discovery, RootFromANestedWorkingDirectory) {
  write_site(root);
  EXPECT_EQ(find_backdrop_root(std::nullopt, root / "modules/civicrm/xml"), root);
  EXPECT_EQ(find_backdrop_root(std::nullopt, root), root);
}

TEST_F(Discovery, RootOptionThatIsNotABackdropRoot) {
  write_site(root);
  EXPECT_ONE_LINE_ERROR(find_backdrop_root(root / "modules", "/"), "not a Backdrop root");
  EXPECT_ONE_LINE_ERROR(find_backdrop_root(root / "nowhere", "/"), "not a directory");
}

TEST_F(Discovery, NoRootAboveTheWorkingDirectory) {
  fs::create_directories(temp / "plain/dir");
  EXPECT_ONE_LINE_ERROR(find_backdrop_root(std::nullopt, temp / "plain/dir"), "no Backdrop root at or above");
}

TEST_F(Discovery, DatabaseStringForm) {
  write_site(root);  // its settings.php says `$database_prefix = '';` after the DSN
  write_text(root / "settings.php", civiup::read_file(root / "settings.php") + "$database_prefix = 'bd_';\n");
  Site site = discover_site(root);
  EXPECT_EQ(site.root, root);
  EXPECT_EQ(site.backdrop.database.user, "backdrop");
  EXPECT_EQ(site.backdrop.database.password, "secret");
  EXPECT_EQ(site.backdrop.database.host, "db.example");
  EXPECT_EQ(site.backdrop.database.port, 3307);
  EXPECT_EQ(site.backdrop.database.database, "backdrop");
  EXPECT_EQ(site.backdrop.table_prefix, "bd_");
  EXPECT_EQ(site.backdrop.config_dir, root / "files/config_abc123/active");
  EXPECT_FALSE(site.backdrop.local_settings_file);
  EXPECT_FALSE(site.backdrop.frontpage_override);
}

TEST_F(Discovery, DatabasesArrayFormWithPrefix) {
  // The form Backdrop's installer writes for advanced setups; the stock
  // `$database_prefix = '';` line further down must not clear the array's prefix.
  write_site(root,
             "$databases['default']['default'] = array(\n  'driver' => 'mysql',\n  'database' => 'bd',\n"
             "  'username' => 'u',\n  'password' => 'p\\'w',\n  'host' => 'localhost',\n  'port' => '3308',\n"
             "  'prefix' => 'pre_',\n);");
  BackdropSettings settings = read_backdrop_settings(root);
  EXPECT_EQ(settings.database.database, "bd");
  EXPECT_EQ(settings.database.user, "u");
  EXPECT_EQ(settings.database.password, "p'w");
  EXPECT_EQ(settings.database.host, "localhost");
  EXPECT_EQ(settings.database.port, 3308);
  EXPECT_EQ(settings.table_prefix, "pre_");
}

TEST_F(Discovery, DatabasesShortArraySyntax) {
  write_site(root,
             "$databases = ['default' => ['default' => ['database' => 'bd', 'username' => 'u', "
             "'password' => '', 'host' => '127.0.0.1', 'prefix' => ['default' => 'x_']]]];");
  BackdropSettings settings = read_backdrop_settings(root);
  EXPECT_EQ(settings.database.database, "bd");
  EXPECT_EQ(settings.database.host, "127.0.0.1");
  EXPECT_EQ(settings.table_prefix, "x_");
}

TEST_F(Discovery, SettingsLocalOverridesSettings) {
  write_site(root);
  write_text(root / "settings.local.php",
             "<?php\n$database = 'mysql://local:pw@10.0.0.1/localdb';\n$database_prefix = 'l_';\n"
             "$config_directories['active'] = '../config/active';\n"
             "$config['system.core']['site_frontpage'] = 'node/1';\n");
  fs::create_directories(temp / "config/active");
  BackdropSettings settings = read_backdrop_settings(root);
  ASSERT_TRUE(settings.local_settings_file);
  EXPECT_EQ(settings.database.user, "local");
  EXPECT_EQ(settings.database.database, "localdb");
  EXPECT_EQ(settings.table_prefix, "l_");
  EXPECT_EQ(settings.config_dir, temp / "config/active");
  EXPECT_EQ(settings.frontpage_override, "node/1");
}

TEST_F(Discovery, AbsoluteActiveConfigDirectory) {
  write_site(root);
  fs::create_directories(temp / "private/active");
  write_text(root / "settings.local.php",
             "<?php\n$config_directories['active'] = '" + (temp / "private/active").string() + "';\n");
  EXPECT_EQ(read_backdrop_settings(root).config_dir, temp / "private/active");
}

TEST_F(Discovery, ActiveConfigDirectoryMissingOrUnset) {
  write_site(root);
  fs::remove_all(root / "files/config_abc123/active");
  EXPECT_ONE_LINE_ERROR(read_backdrop_settings(root), "directory");
  write_text(root / "settings.php", "<?php\n$database = 'mysql://u:p@h/d';\n");
  EXPECT_ONE_LINE_ERROR(read_backdrop_settings(root), "$config_directories['active'] is not set");
}

TEST_F(Discovery, ConfigInTheDatabaseNeedsNoActiveDirectory) {
  write_site(root);
  fs::remove_all(root / "files/config_abc123/active");
  write_text(root / "settings.php", civiup::read_file(root / "settings.php") +
                                        "$settings['config_active_class'] = 'ConfigDatabaseStorage';\n");
  BackdropSettings settings = read_backdrop_settings(root);
  EXPECT_TRUE(settings.config_in_database);
  EXPECT_TRUE(settings.config_dir.empty()) << "no directory, so nothing snapshots or requires it";
  fs::create_directories(root / "files/config_abc123/active");
  EXPECT_EQ(read_backdrop_settings(root).config_dir, root / "files/config_abc123/active");
}

TEST_F(Discovery, EveryDatabaseOnceWithItsRoles) {
  write_site(root);
  auto with_logging = [&](const std::string& dsn) {
    std::string text = civiup::read_file(root / "civicrm.settings.php");
    write_text(root / "civicrm.settings.php",
               text + "if (!defined('CIVICRM_LOGGING_DSN')) {\n  define('CIVICRM_LOGGING_DSN', '" + dsn + "');\n}\n");
  };
  Site site = discover_site(root);
  EXPECT_FALSE(site.civicrm.logging_dsn);
  auto labels = [](const std::vector<SiteDatabase>& databases) {
    std::vector<std::string> out;
    for (const SiteDatabase& database : databases) out.push_back(database.label() + " " + database.dsn.database);
    return out;
  };
  EXPECT_EQ(labels(site_databases(site.backdrop, site.civicrm)),
            (std::vector<std::string>{"civicrm civicrm", "backdrop backdrop"}));

  with_logging("mysql://civi:civipass@db.example:3307/civicrm?new_link=true");  // the CiviCRM database again
  site = discover_site(root);
  ASSERT_TRUE(site.civicrm.logging_dsn);
  EXPECT_EQ(labels(site_databases(site.backdrop, site.civicrm)),
            (std::vector<std::string>{"civicrm+logging civicrm", "backdrop backdrop"}));

  write_site(root);
  with_logging("mysql://civi:civipass@db.example:3307/civicrm_log?new_link=true");
  site = discover_site(root);
  std::vector<SiteDatabase> databases = site_databases(site.backdrop, site.civicrm);
  EXPECT_EQ(labels(databases),
            (std::vector<std::string>{"civicrm civicrm", "backdrop backdrop", "logging civicrm_log"}));
  EXPECT_EQ(databases[2].role(), "logging");
  EXPECT_EQ(databases[2].dsn.user, "civi");
}

TEST_F(Discovery, CivicrmSettingsReadAsText) {
  write_site(root);
  CiviCrmSettings settings = read_civicrm_settings(root);
  EXPECT_EQ(settings.dsn.user, "civi");
  EXPECT_EQ(settings.dsn.password, "civipass");
  EXPECT_EQ(settings.dsn.database, "civicrm");
  EXPECT_EQ(settings.dsn.port, 3307);
  EXPECT_EQ(settings.uf_dsn.database, "backdrop");
  EXPECT_EQ(settings.template_compile_dir, root / "files/civicrm/templates_c/");
  EXPECT_EQ(settings.civicrm_root, root / "modules/civicrm");
  EXPECT_FALSE(settings.dsn.same_database(settings.uf_dsn));
}

TEST_F(Discovery, CivicrmSettingsFirstDefinitionWins) {
  write_site(root);
  // PHP keeps the first define(); the guarded second one never runs.
  write_text(root / "civicrm.settings.php",
             "<?php\ndefine('CIVICRM_DSN', 'mysql://first:p@h/first');\n"
             "if (!defined('CIVICRM_DSN')) {\n  define('CIVICRM_DSN', 'mysql://second:p@h/second');\n}\n"
             "define('CIVICRM_UF_DSN', 'mysql://uf:p@h/uf');\n"
             "define('CIVICRM_TEMPLATE_COMPILEDIR', '/var/tmp/templates_c');\n");
  CiviCrmSettings settings = read_civicrm_settings(root);
  EXPECT_EQ(settings.dsn.database, "first");
  EXPECT_EQ(settings.template_compile_dir, fs::path("/var/tmp/templates_c"));
}

TEST_F(Discovery, CodeVersionFromBothFiles) {
  write_site(root, "$database = 'mysql://u:p@h/d';", "5.74.4");
  EXPECT_EQ(discover_site(root).code_version.str(), "5.74.4");
}

TEST_F(Discovery, CodeVersionFilesDisagree) {
  write_site(root);
  write_text(root / "modules/civicrm/xml/version.xml", test::version_xml("5.73.0"));
  EXPECT_ONE_LINE_ERROR(discover_site(root), "says 5.74.0 but");
}

TEST_F(Discovery, CodeVersionNotALiteral) {
  write_site(root);
  write_text(
      root / "modules/civicrm/civicrm-version.php",
      "<?php\nfunction civicrmVersion() {\n  return array('version' => '5.' . '74.0', 'cms' => 'Backdrop');\n}\n");
  EXPECT_ONE_LINE_ERROR(discover_site(root), "'version' is not a plain literal");
}

TEST_F(Discovery, CodeVersionOfAnotherCms) {
  write_site(root);
  write_text(root / "modules/civicrm/civicrm-version.php", test::version_php("5.74.0", "Drupal"));
  EXPECT_ONE_LINE_ERROR(discover_site(root), "not 'Backdrop'");
}

TEST_F(Discovery, CodeVersionFileMissing) {
  write_site(root);
  fs::remove(root / "modules/civicrm/xml/version.xml");
  EXPECT_ONE_LINE_ERROR(discover_site(root), "version.xml: not found");
  fs::remove_all(root / "modules/civicrm");
  EXPECT_ONE_LINE_ERROR(discover_site(root), "modules/civicrm: not found");
}

TEST_F(Discovery, NoSettingsFile) {
  write_site(root);
  fs::remove(root / "settings.php");
  EXPECT_ONE_LINE_ERROR(read_backdrop_settings(root), "settings.php: not found");
  EXPECT_ONE_LINE_ERROR(find_backdrop_root(root, "/"), "not a Backdrop root");
}

TEST_F(Discovery, NoCivicrmSettingsFile) {
  write_site(root);
  fs::remove(root / "civicrm.settings.php");
  EXPECT_ONE_LINE_ERROR(discover_site(root), "civicrm.settings.php: not found");
}

TEST_F(Discovery, NoDatabaseSettings) {
  write_site(root, "// no database here");
  EXPECT_ONE_LINE_ERROR(read_backdrop_settings(root), "no database settings");
}

TEST_F(Discovery, NoCivicrmDsn) {
  write_site(root);
  write_text(root / "civicrm.settings.php",
             "<?php\ndefine('CIVICRM_UF_DSN', 'mysql://uf:p@h/uf');\n"
             "define('CIVICRM_TEMPLATE_COMPILEDIR', '/tmp/t');\n");
  EXPECT_ONE_LINE_ERROR(discover_site(root), "CIVICRM_DSN is not defined");
}

TEST_F(Discovery, BadDsnNeverEchoesThePassword) {
  write_site(root, "$database = 'postgres://user:hunter2@h/db';");
  std::string message = error_of([&] { read_backdrop_settings(root); });
  EXPECT_NE(message.find("unsupported database driver 'postgres'"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  write_site(root, "$database = 'user:hunter2@h/db';");
  EXPECT_ONE_LINE_ERROR(read_backdrop_settings(root), "not a database URL");
  write_site(root, "$database = 'mysql://user:hunter2@h:99999/db';");
  EXPECT_ONE_LINE_ERROR(read_backdrop_settings(root), "invalid port");
  write_site(root, "$database = 'mysql://user:hunter2@h';");
  EXPECT_ONE_LINE_ERROR(read_backdrop_settings(root), "no database name");
  write_site(root, "$database = 'mysql://user:hunt%zzer2@h/db';");
  message = error_of([&] { read_backdrop_settings(root); });
  EXPECT_NE(message.find("malformed %-escape"), std::string::npos) << message;
  EXPECT_EQ(message.find("hunt"), std::string::npos) << message;
}

TEST_F(Discovery, DsnComputedAtRunTime) {
  write_site(root, "$database = getenv('BACKDROP_DB');");
  EXPECT_ONE_LINE_ERROR(read_backdrop_settings(root), "is not a plain string");
}

TEST_F(Discovery, DsnPasswordWithSpecialCharacters) {
  // CiviCRM's installer URL-encodes the password; hand-written DSNs often do not.
  DatabaseDsn encoded = parse_dsn("mysql://u%40x:p%40ss%3Aw%2Frd%23%3F%25@db:3306/civi?new_link=true", "test");
  EXPECT_EQ(encoded.user, "u@x");
  EXPECT_EQ(encoded.password, "p@ss:w/rd#?%");
  EXPECT_EQ(encoded.database, "civi");
  DatabaseDsn raw = parse_dsn("mysql://u:p@ss/w:rd@db/civi", "test");
  EXPECT_EQ(raw.password, "p@ss/w:rd");
  EXPECT_EQ(raw.host, "db");
  EXPECT_EQ(raw.database, "civi");
  DatabaseDsn socket = parse_dsn("mysql://u:p@unix(/run/mysqld/mysqld.sock)/civi", "test");
  EXPECT_EQ(socket.socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(socket.database, "civi");
  DatabaseDsn ipv6 = parse_dsn("mysql://u:p@[::1]:3307/civi", "test");
  EXPECT_EQ(ipv6.host, "::1");
  EXPECT_EQ(ipv6.port, 3307);
}

TEST_F(Discovery, SyntaxErrorNamesFileAndLine) {
  write_site(root);
  write_text(root / "settings.php", "<?php\n$database = 'mysql://u:p@h/d';\n$x = 'unterminated;\n");
  EXPECT_ONE_LINE_ERROR(read_backdrop_settings(root), "settings.php line 3: unterminated string");
}

// The shape CiviCRM's installer writes (templates/CRM/common/civicrm.settings.php.template):
// a run-time test-DSN branch comes before the real definition.
TEST_F(Discovery, CivicrmSettingsAsTheInstallerWritesThem) {
  write_site(root);
  write_text(root / "civicrm.settings.php", R"PHP(<?php
/**
 * EXAMPLE: define( 'CIVICRM_DSN', 'mysql://civicrm:YOUR_PASSWORD@localhost/civicrm?new_link=true');
 */
global $civicrm_setting, $civicrm_paths;
if (!defined('CIVICRM_UF')) {
  if (getenv('CIVICRM_UF')) {
    define('CIVICRM_UF', getenv('CIVICRM_UF'));
  }
  else {
    define('CIVICRM_UF', 'Backdrop');
  }
}
if (!defined('CIVICRM_UF_DSN') && CIVICRM_UF !== 'UnitTests') {
  define( 'CIVICRM_UF_DSN', 'mysql://bd:bd%23pw@localhost/backdrop?new_link=true');
}
if (!defined('CIVICRM_DSN')) {
  if (CIVICRM_UF === 'UnitTests' && isset($GLOBALS['_CV']['TEST_DB_DSN'])) {
    define('CIVICRM_DSN', $GLOBALS['_CV']['TEST_DB_DSN']);
  }
  else {
    define('CIVICRM_DSN', 'mysql://civi:c%40v@localhost:3306/civicrm?new_link=true');
  }
}
if (!defined('CIVICRM_LOGGING_DSN')) {
  define('CIVICRM_LOGGING_DSN', CIVICRM_DSN);
}
$civicrm_root = '/var/www/backdrop/modules/civicrm/';
if (!defined('CIVICRM_TEMPLATE_COMPILEDIR')) {
  define( 'CIVICRM_TEMPLATE_COMPILEDIR', '/var/www/backdrop/files/civicrm/templates_c/');
}
$civicrm_paths['civicrm.files']['path'] = __DIR__ . '/files/civicrm';
if (!defined('CIVICRM_SITE_KEY')) {
  define( 'CIVICRM_SITE_KEY', 'abc');
}
$include_path = '.' . PATH_SEPARATOR . $civicrm_root . PATH_SEPARATOR . get_include_path( );
if ( set_include_path( $include_path ) === false ) {
   echo "Could not set the include path<p>";
   exit( );
}
if ( function_exists( 'variable_get' ) && variable_get('clean_url', '0') != '0') {
  define( 'CIVICRM_CLEANURL', 1 );
}
elseif ( function_exists('config_get') && config_get('system.core', 'clean_url') != 0) {
  define('CIVICRM_CLEANURL', 1 );
}
else {
  define( 'CIVICRM_CLEANURL', 0 );
}
$memLimitString = trim(ini_get('memory_limit'));
)PHP");
  CiviCrmSettings settings = read_civicrm_settings(root);
  EXPECT_EQ(settings.dsn.user, "civi");
  EXPECT_EQ(settings.dsn.password, "c@v");
  EXPECT_EQ(settings.dsn.port, 3306);
  EXPECT_EQ(settings.uf_dsn.password, "bd#pw");
  EXPECT_EQ(settings.template_compile_dir, fs::path("/var/www/backdrop/files/civicrm/templates_c/"));
  EXPECT_EQ(settings.civicrm_root, fs::path("/var/www/backdrop/modules/civicrm/"));
}

TEST_F(Discovery, OnlyARunTimeDsnIsAClearError) {
  write_site(root);
  write_text(root / "civicrm.settings.php",
             "<?php\ndefine('CIVICRM_DSN', getenv('CIVICRM_DSN'));\ndefine('CIVICRM_UF_DSN', 'mysql://u:p@h/d');\n"
             "define('CIVICRM_TEMPLATE_COMPILEDIR', '/tmp/t');\n");
  EXPECT_ONE_LINE_ERROR(read_civicrm_settings(root),
                        "line 2: CIVICRM_DSN is not a plain string: it is a call of getenv()");
}

}  // namespace
}  // namespace civiup
