#pragma once
// A Connector/C++ connection to the test bed's server, with SQL errors turned
// into std::runtime_error carrying the statement (the one boundary for them).
#include <memory>
#include <string>
#include <vector>

#include <cppconn/connection.h>

#include "testbed/testbed.hpp"

namespace civiup::testbed {

// The parts of "mysql://user:pass@host:port/db" (user and password URL-decoded).
struct ParsedDsn {
  std::string user, password, host, database;
  int port = 3306;
};
ParsedDsn parse_dsn(const std::string& dsn);

class SqlSession {
 public:
  SqlSession(const DatabaseServer& server, const std::string& database);
  explicit SqlSession(const ParsedDsn& dsn);

  void run(const std::string& statement);
  void run_all(const std::vector<std::string>& statements);
  // The first column of the first row, or "" (NULL too).
  std::string value(const std::string& query);
  // The first column of every row ("" for NULL).
  std::vector<std::string> column(const std::string& query);

 private:
  std::unique_ptr<sql::Connection> connection_;
};

// `name` as a quoted identifier.
std::string quote_name(const std::string& name);
// `text` as a quoted string literal.
std::string quote_text(const std::string& text);

}  // namespace civiup::testbed
