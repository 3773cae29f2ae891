#include "support/test_server.hpp"

#include <atomic>
#include <cstdlib>
#include <random>
#include <stdexcept>

#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <mysql_driver.h>
#include <unistd.h>

namespace civiup::test {
namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

TestServer load_from_environment() {
  TestServer server;
  server.host = env_or_empty("CIVIUP_TEST_MYSQL_HOST");
  std::string port = env_or_empty("CIVIUP_TEST_MYSQL_PORT");
  server.socket = env_or_empty("CIVIUP_TEST_MYSQL_SOCKET");
  server.user = env_or_empty("CIVIUP_TEST_MYSQL_USER");
  server.password = env_or_empty("CIVIUP_TEST_MYSQL_PASSWORD");
  server.pid_file = env_or_empty("CIVIUP_TEST_MYSQL_PIDFILE");
  server.data_dir = env_or_empty("CIVIUP_TEST_MYSQL_DATADIR");
  if (server.host.empty() || port.empty() || server.user.empty()) {
    throw std::runtime_error(
        "no MariaDB test server: CIVIUP_TEST_MYSQL_HOST/PORT/USER are not set; "
        "run the suite through scripts/test, which starts one");
  }
  server.port = std::stoi(port);
  return server;
}

}  // namespace

const TestServer& require_test_server() {
  static const TestServer server = load_from_environment();
  return server;
}

std::unique_ptr<sql::Connection> connect(const std::string& database) {
  const TestServer& server = require_test_server();
  sql::ConnectOptionsMap options;
  options["hostName"] = sql::SQLString(fmt::format("tcp://{}:{}", server.host, server.port));
  options["userName"] = sql::SQLString(server.user);
  options["password"] = sql::SQLString(server.password);
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  if (!database.empty()) options["schema"] = sql::SQLString(database);
  sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
  return std::unique_ptr<sql::Connection>(driver->connect(options));
}

void execute(sql::Connection& connection, const std::string& statement) {
  try {
    std::unique_ptr<sql::Statement> s(connection.createStatement());
    s->execute(statement);
  } catch (const sql::SQLException& e) {
    throw std::runtime_error(fmt::format("SQL failed: {}: {}", statement.substr(0, 200), e.what()));
  }
}

std::vector<std::string> query_column(sql::Connection& connection, const std::string& query) {
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(query));
  std::vector<std::string> values;
  while (rows->next()) values.push_back(rows->isNull(1) ? "NULL" : std::string(rows->getString(1)));
  return values;
}

std::vector<std::vector<std::string>> query_rows(sql::Connection& connection, const std::string& query) {
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  std::unique_ptr<sql::ResultSet> rs(statement->executeQuery(query));
  const unsigned columns = rs->getMetaData()->getColumnCount();
  std::vector<std::vector<std::string>> rows;
  while (rs->next()) {
    std::vector<std::string> row;
    for (unsigned i = 1; i <= columns; ++i) row.push_back(rs->isNull(i) ? "NULL" : std::string(rs->getString(i)));
    rows.push_back(std::move(row));
  }
  return rows;
}

ScratchDatabase::ScratchDatabase(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::random_device random;
  name_ = fmt::format("{}_{}_{}_{:x}", prefix, ::getpid(), counter++, random() & 0xffffu);
  auto connection = test::connect();
  execute(*connection, fmt::format("CREATE DATABASE `{}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", name_));
}

ScratchDatabase::~ScratchDatabase() {
  if (::testing::Test::HasFailure()) {
    fmt::print(stderr, "[ kept     ] database of the failed test: {}\n", name_);
    return;
  }
  try {
    auto connection = test::connect();
    execute(*connection, fmt::format("DROP DATABASE IF EXISTS `{}`", name_));
  } catch (...) {
    // The server may have been killed by a fault test; nothing to clean then.
  }
}

}  // namespace civiup::test
