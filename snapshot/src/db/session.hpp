#pragma once
// One Connector/C++ connection with the library's error conventions: every
// sql::SQLException becomes a civiup::Error with the server's message, so the
// caller only adds the object name.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "civiup/snapshot/db/database_login.hpp"

namespace sql {
class Connection;
class ResultSet;
}  // namespace sql

namespace civiup::snapshot::db {

using Value = std::optional<std::string>;  // nullopt is SQL NULL
using Row = std::vector<Value>;

class Session {
 public:
  Session(const DatabaseLogin& login, const std::string& database);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void execute(const std::string& statement);
  // DDL that the server may refuse with a deadlock (ALTER TABLE ... ADD KEY can
  // meet the persistent-statistics updates of a concurrent load): tried again,
  // a few times.  Safe because MariaDB's DDL is atomic.
  void execute_ddl(const std::string& statement);
  // Buffered: for catalogue queries with small results.
  std::vector<Row> query(const std::string& statement);
  // The first column of the first row (nullopt when NULL or no row).
  Value query_value(const std::string& statement);

  // Streams a result row by row (mysql_use_result): memory stays flat however
  // big the table.  No other statement may run on this session meanwhile.
  // `on_row` gets the result set positioned on each row.
  void stream(const std::string& statement, const std::function<void(sql::ResultSet&)>& on_row);

  uint64_t max_allowed_packet();
  // UNIX time the server started (to tell a restarted server); works on MariaDB and MySQL.
  int64_t server_started_epoch();

 private:
  std::unique_ptr<sql::Connection> connection_;
};

// "`name`" with backquotes doubled.
std::string quote_identifier(const std::string& name);
// "'text'" with the server's backslash escapes (for sql_mode without NO_BACKSLASH_ESCAPES).
std::string quote_string(const std::string& text);
void append_escaped(std::string& out, const char* data, size_t size);
void append_hex(std::string& out, const char* data, size_t size);

}  // namespace civiup::snapshot::db
