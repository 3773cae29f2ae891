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

// How a column of a prepared statement's result is fetched (binary protocol).
enum class BinaryType { Signed, Unsigned, Date, DateTime, Bytes };

// One value of a row fetched with the binary protocol; valid until the next row.
struct BinaryValue {
  bool null = false;
  int64_t integer = 0;         // Signed; Unsigned holds the bits of the unsigned value
  const char* data = nullptr;  // Bytes: as the server sent them (DECIMAL as its text)
  size_t size = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;  // Date, DateTime
  unsigned long microsecond = 0;
  unsigned decimals = 0;  // DateTime: the column's fractional digits
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

  // Streams `statement` run as a prepared statement: the server sends numbers
  // and dates in binary instead of converting each to text (about a quarter
  // less server time for a dump's SELECT).  `types` says how each result
  // column is fetched; memory stays flat.  No other statement may run meanwhile.
  // False, with nothing streamed, when the server would send a column as
  // another type than `types` says (the caller then reads the rows as text).
  bool stream_binary(const std::string& statement, const std::vector<BinaryType>& types,
                     const std::function<void(const std::vector<BinaryValue>&)>& on_row);

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
