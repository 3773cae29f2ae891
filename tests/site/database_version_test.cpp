// Database versions from civicrm_domain.version on the real MariaDB, and the
// one-line errors of connecting: unreachable server, wrong password, no
// civicrm_domain.  A DSN password full of URL and PHP special characters works.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/site/database_session.hpp"
#include "civiup/site/site.hpp"
#include "site/site_files.hpp"
#include "support/error_of.hpp"
#include "support/site_dsn.hpp"
#include "support/test_server.hpp"
#include "support/text.hpp"

namespace civiup {
namespace {

namespace fs = std::filesystem;
using test::error_of;
using test::php_quote;
using test::url_encode;

void create_domain(sql::Connection& c, const std::vector<std::string>& versions) {
  test::execute(c,
                "CREATE TABLE civicrm_domain (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, "
                "name VARCHAR(64), version VARCHAR(32))");
  for (const std::string& version : versions) {
    test::execute(c, fmt::format("INSERT INTO civicrm_domain (name, version) VALUES ('Default', '{}')", version));
  }
}

TEST(DatabaseVersion, ReadsCivicrmDomainVersion) {
  test::ScratchDatabase database("civi");
  create_domain(*database.connect(), {"5.74.0"});
  auto session = connect_database(test::site_dsn(database.name()));
  EXPECT_EQ(read_database_version(*session).str(), "5.74.0");
}

TEST(DatabaseVersion, HalfUpgradedDatabaseKeepsItsMarker) {
  test::ScratchDatabase database("civi");
  create_domain(*database.connect(), {"5.75.0.upgrade"});
  auto session = connect_database(test::site_dsn(database.name()));
  Version version = read_database_version(*session);
  EXPECT_TRUE(version.is_upgrade_marker());
  EXPECT_EQ(version.str(), "5.75.0.upgrade");
}

TEST(DatabaseVersion, MissingCivicrmDomain) {
  test::ScratchDatabase database("civi");
  auto session = connect_database(test::site_dsn(database.name()));
  std::string message = error_of([&] { read_database_version(*session); });
  EXPECT_NE(message.find("no civicrm_domain table"), std::string::npos) << message;
  EXPECT_NE(message.find(database.name()), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(DatabaseVersion, EmptyOrDisagreeingDomains) {
  test::ScratchDatabase database("civi");
  auto raw = database.connect();
  create_domain(*raw, {});
  auto session = connect_database(test::site_dsn(database.name()));
  EXPECT_NE(error_of([&] { read_database_version(*session); }).find("civicrm_domain has no rows"), std::string::npos);
  test::execute(*raw, "INSERT INTO civicrm_domain (name, version) VALUES ('a', '5.74.0'), ('b', '5.73.0')");
  EXPECT_NE(error_of([&] { read_database_version(*session); }).find("different versions"), std::string::npos);
  test::execute(*raw, "UPDATE civicrm_domain SET version = 'garbage'");
  EXPECT_NE(error_of([&] { read_database_version(*session); }).find("is not a CiviCRM version"), std::string::npos);
}

TEST(DatabaseVersion, UnreachableServerIsOneLine) {
  DatabaseDsn dsn = test::site_dsn("nothing");
  dsn.port = 1;  // nothing listens there
  std::string message = error_of([&] { connect_database(dsn); });
  EXPECT_NE(message.find("connecting to mysql://"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  if (!dsn.password.empty()) {
    EXPECT_EQ(message.find(dsn.password), std::string::npos) << message;
  }
}

TEST(DatabaseVersion, WrongPasswordIsOneLineWithoutThePassword) {
  test::ScratchDatabase database("civi");
  DatabaseDsn dsn = test::site_dsn(database.name());
  dsn.password = "definitely-wrong-pw";
  std::string message = error_of([&] { connect_database(dsn); });
  EXPECT_NE(message.find("Access denied"), std::string::npos) << message;
  EXPECT_EQ(message.find("definitely-wrong-pw"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(DatabaseVersion, PasswordWithSpecialCharactersWorksThroughSettingsFiles) {
  test::ScratchDatabase database("civi");
  create_domain(*database.connect(), {"5.74.0"});
  const test::TestServer& server = test::require_test_server();
  const std::string user = fmt::format("cu{}", ::getpid() % 100000);
  const std::string password = "p@ss:w/rd#?%&'\"\\ $x";
  auto admin = test::connect();
  test::execute(*admin, fmt::format("DROP USER IF EXISTS '{}'@'%'", user));
  std::string sql_password;
  for (char c : password) {
    if (c == '\'' || c == '\\') sql_password += '\\';
    sql_password += c;
  }
  test::execute(*admin, fmt::format("CREATE USER '{}'@'%' IDENTIFIED BY '{}'", user, sql_password));
  test::execute(*admin, fmt::format("GRANT ALL ON `{}`.* TO '{}'@'%'", database.name(), user));

  test::TempDir temp;
  fs::path root = temp / "www";
  std::string encoded = fmt::format("mysql://{}:{}@{}:{}/{}?new_link=true", user, url_encode(password), server.host,
                                    server.port, database.name());
  test::write_site(root, fmt::format("$database = {};", php_quote(encoded)));
  test::write_text(root / "civicrm.settings.php",
                   fmt::format("<?php\nif (!defined('CIVICRM_DSN')) {{\n  define('CIVICRM_DSN', {});\n}}\n"
                               "define('CIVICRM_UF_DSN', {});\ndefine('CIVICRM_TEMPLATE_COMPILEDIR', '/tmp/t');\n",
                               php_quote(encoded), php_quote(encoded)));
  Site site = discover_site(root);
  EXPECT_EQ(site.civicrm.dsn.password, password);
  EXPECT_TRUE(site.civicrm.dsn.same_database(site.backdrop.database));
  auto session = connect_database(site.civicrm.dsn);
  EXPECT_EQ(read_database_version(*session).str(), "5.74.0");

  // The array form takes the password as written, no URL decoding.
  test::write_site(root, fmt::format("$databases['default']['default'] = array('database' => '{}', 'username' => '{}', "
                                     "'password' => {}, 'host' => '{}', 'port' => {});",
                                     database.name(), user, php_quote(password), server.host, server.port));
  BackdropSettings settings = read_backdrop_settings(root);
  EXPECT_EQ(settings.database.password, password);
  EXPECT_NO_THROW(connect_database(settings.database));
  test::execute(*admin, fmt::format("DROP USER '{}'@'%'", user));
}

TEST(DatabaseVersion, UnixSocketInBothSettingsForms) {
  const test::TestServer& server = test::require_test_server();
  ASSERT_FALSE(server.socket.empty()) << "scripts/test exports CIVIUP_TEST_MYSQL_SOCKET";
  test::ScratchDatabase database("civi");
  create_domain(*database.connect(), {"5.74.1"});
  DatabaseDsn dsn = parse_dsn(fmt::format("mysql://{}:{}@unix({})/{}", server.user, url_encode(server.password),
                                          server.socket, database.name()),
                              "test");
  EXPECT_EQ(dsn.socket, server.socket);
  EXPECT_EQ(read_database_version(*connect_database(dsn)).str(), "5.74.1");

  test::TempDir temp;
  fs::path root = temp / "www";
  test::write_site(root, fmt::format("$databases['default']['default'] = array('database' => '{}', 'username' => '{}', "
                                     "'password' => {}, 'host' => 'localhost', 'unix_socket' => '{}');",
                                     database.name(), server.user, php_quote(server.password), server.socket));
  BackdropSettings settings = read_backdrop_settings(root);
  EXPECT_EQ(settings.database.socket, server.socket);
  EXPECT_EQ(read_database_version(*connect_database(settings.database)).str(), "5.74.1");
}

}  // namespace
}  // namespace civiup
