#pragma once
// The test server as a site's DatabaseDsn (header only: civiup_test_support
// does not link civiup_core; the areas that include this do).
#include <string>

#include "civiup/site/database_dsn.hpp"
#include "support/test_server.hpp"

namespace civiup::test {

inline DatabaseDsn site_dsn(const std::string& database) {
  const TestServer& server = require_test_server();
  DatabaseDsn dsn;
  dsn.user = server.user;
  dsn.password = server.password;
  dsn.host = server.host;
  dsn.port = server.port;
  dsn.database = database;
  return dsn;
}

}  // namespace civiup::test
