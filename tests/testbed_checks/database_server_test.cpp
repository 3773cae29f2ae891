// The test bed's DSN builder (testbed::DatabaseServer::dsn), the one that
// writes every generated settings file: user and password URL-encoded, so a
// password holding the characters a URL gives a meaning to still logs in.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fmt/format.h>

#include "support/test_server.hpp"
#include "testbed/sql_session.hpp"
#include "testbed/testbed.hpp"

namespace civiup::test {
namespace {

TEST(DatabaseServer, DsnUrlEncodesAPasswordWithAtColonSlashPercentHash) {
  const std::string password = "p@ss:w/rd%#x";
  ScratchDatabase database("dsn");
  testbed::DatabaseServer server = testbed::DatabaseServer::from_environment();
  server.user = fmt::format("dsn{}", ::getpid() % 100000);
  server.password = password;
  auto admin = connect();
  const std::string account = testbed::quote_text(server.user) + "@'%'";
  execute(*admin, "CREATE OR REPLACE USER " + account + " IDENTIFIED BY " + testbed::quote_text(password));
  execute(*admin, fmt::format("GRANT ALL ON `{}`.* TO {}", database.name(), account));

  const std::string dsn = server.dsn(database.name());
  EXPECT_EQ(dsn, fmt::format("mysql://{}:p%40ss%3Aw%2Frd%25%23x@{}:{}/{}", server.user, server.host, server.port,
                             database.name()));
  testbed::ParsedDsn parsed = testbed::parse_dsn(dsn + "?new_link=true");
  EXPECT_EQ(parsed.user, server.user);
  EXPECT_EQ(parsed.password, password);
  EXPECT_EQ(parsed.host, server.host);
  EXPECT_EQ(parsed.port, server.port);
  EXPECT_EQ(parsed.database, database.name());
  testbed::SqlSession session(parsed);  // the real login with the decoded password
  EXPECT_EQ(session.value("SELECT DATABASE()"), database.name());
  execute(*admin, "DROP USER " + account);
}

}  // namespace
}  // namespace civiup::test
