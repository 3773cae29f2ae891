#pragma once
// One connection through libmariadb's C API with the library's error
// conventions: every failure becomes a civiup::Error with the server's message,
// so the caller only adds the object name.  The C API, not Connector/C++: a
// dump reads every value, and the C API hands a streamed row over as pointers
// and lengths (mysql_fetch_row), with no object per value.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "civiup/snapshot/db/database_login.hpp"

struct st_mysql;

namespace civiup::snapshot::db {

using Value = std::optional<std::string>;  // nullopt is SQL NULL
using Row = std::vector<Value>;

// A streamed row as the server sent it (text protocol): value i is
// `values[i]` of `lengths[i]` bytes, a null pointer for SQL NULL.  Valid until
// the next row.
struct StreamedRow {
  const char* const* values;
  const unsigned long* lengths;
};

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
  void stream(const std::string& statement, const std::function<void(const StreamedRow&)>& on_row);

  uint64_t max_allowed_packet();
  // UNIX time the server started (to tell a restarted server); works on MariaDB and MySQL.
  int64_t server_started_epoch();

 private:
  void run(const std::string& statement);  // sends it; throws the server's error
  [[noreturn]] void fail_with_server_error();

  struct Close {
    void operator()(st_mysql* connection) const;
  };
  std::unique_ptr<st_mysql, Close> connection_;
};

// "`name`" with backquotes doubled.
std::string quote_identifier(const std::string& name);
// "'text'" with the server's backslash escapes (for sql_mode without NO_BACKSLASH_ESCAPES).
std::string quote_string(const std::string& text);
void append_escaped(std::string& out, const char* data, size_t size);
void append_hex(std::string& out, const char* data, size_t size);

}  // namespace civiup::snapshot::db
