#include <cstdlib>
#include <stdexcept>

#include <fmt/format.h>

#include "support/text.hpp"
#include "testbed/testbed.hpp"

namespace civiup::testbed {
namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

DatabaseServer DatabaseServer::from_environment() {
  DatabaseServer server;
  server.host = environment("CIVIUP_TEST_MYSQL_HOST");
  const std::string port = environment("CIVIUP_TEST_MYSQL_PORT");
  server.user = environment("CIVIUP_TEST_MYSQL_USER");
  server.password = environment("CIVIUP_TEST_MYSQL_PASSWORD");
  if (server.host.empty() || port.empty() || server.user.empty()) {
    throw std::runtime_error(
        "no MariaDB server: CIVIUP_TEST_MYSQL_HOST/PORT/USER are not set "
        "(scripts/test exports them; or pass --host/--port/--user/--password-env)");
  }
  try {
    server.port = std::stoi(port);
  } catch (const std::exception&) {
    throw std::runtime_error(fmt::format("CIVIUP_TEST_MYSQL_PORT is not a port number: '{}'", port));
  }
  return server;
}

std::string DatabaseServer::dsn(const std::string& database) const {
  return fmt::format("mysql://{}:{}@{}:{}/{}", test::url_encode(user), test::url_encode(password), host, port,
                     database);
}

}  // namespace civiup::testbed
