#include "session.hpp"

#include <mysql.h>

#include <array>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "civiup/base/error.hpp"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace civiup::snapshot::db {
namespace {

// The server's (or libmariadb's) message as one line, with its error code.
Error sql_error(MYSQL* connection) {
  std::string message = mysql_error(connection);
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  if (unsigned code = mysql_errno(connection); code != 0)
    return Error(fmt::format("{} (MySQL error {})", message, code));
  return Error(message);
}

// The same for a prepared statement's error (libmariadb records some, e.g. a
// connection lost while fetching, on the connection only).
Error statement_error(MYSQL_STMT* statement, MYSQL* connection) {
  if (mysql_stmt_errno(statement) == 0) return sql_error(connection);
  std::string message = mysql_stmt_error(statement);
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  return Error(fmt::format("{} (MySQL error {})", message, mysql_stmt_errno(statement)));
}

struct CloseStatement {
  void operator()(MYSQL_STMT* statement) const { mysql_stmt_close(statement); }
};

std::string first_line(const std::string& statement) {
  std::string line = statement.substr(0, statement.find('\n'));
  return line.size() > 80 ? line.substr(0, 80) + "..." : line;
}

// A statement's result, freed with it.
struct FreeResult {
  void operator()(MYSQL_RES* result) const { mysql_free_result(result); }
};
using Result = std::unique_ptr<MYSQL_RES, FreeResult>;

MYSQL* new_handle() {
  // mysql_library_init is not thread-safe; mysql_init runs it on first use.
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
  MYSQL* handle = mysql_init(nullptr);
  if (handle == nullptr) throw Error("out of memory for a MariaDB connection handle");
  return handle;
}

}  // namespace

void Session::Close::operator()(st_mysql* connection) const { mysql_close(connection); }

Session::Session(const DatabaseLogin& login, const std::string& database) : connection_(new_handle()) {
  MYSQL* c = connection_.get();
  mysql_options(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  my_bool reconnect = 0;  // a silent reconnect would leave the snapshot
  mysql_options(c, MYSQL_OPT_RECONNECT, &reconnect);
  // host:port over TCP, or the socket (as Connector/C++'s tcp:// and unix:// did).
  const bool tcp = login.socket.empty();
  unsigned protocol = tcp ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  mysql_options(c, MYSQL_OPT_PROTOCOL, &protocol);
  with_context(
      fmt::format("connecting to {}@{}", login.user, tcp ? fmt::format("{}:{}", login.host, login.port) : login.socket),
      [&] {
        if (mysql_real_connect(c, tcp ? login.host.c_str() : "localhost", login.user.c_str(), login.password.c_str(),
                               database.empty() ? nullptr : database.c_str(),
                               tcp ? static_cast<unsigned>(login.port) : 0, tcp ? nullptr : login.socket.c_str(),
                               CLIENT_MULTI_RESULTS) == nullptr)
          fail_with_server_error();
        // One session context for everything the library reads and writes.
        execute(
            "SET SESSION time_zone = '+00:00', sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', "
            "net_read_timeout = 3600, net_write_timeout = 3600, wait_timeout = 86400");
        // MySQL 8 serves information_schema.TABLES.UPDATE_TIME from a statistics
        // cache unless the reading session sets the expiry to 0 (delta dumps and
        // selective restores trust UPDATE_TIME).  MariaDB has no such variable.
        if (query_value("SHOW SESSION VARIABLES LIKE 'information_schema_stats_expiry'"))
          execute("SET SESSION information_schema_stats_expiry = 0");
      });
}

Session::~Session() = default;

void Session::fail_with_server_error() { throw sql_error(connection_.get()); }

void Session::run(const std::string& statement) {
  if (mysql_real_query(connection_.get(), statement.data(), statement.size()) != 0) fail_with_server_error();
}

void Session::execute(const std::string& statement) {
  MYSQL* c = connection_.get();
  try {
    run(statement);
    // Drain any results (SHOW, CALL ...), so the connection is ready for the next statement.
    for (;;) {
      Result result(mysql_store_result(c));
      if (!result && mysql_field_count(c) != 0) fail_with_server_error();
      int more = mysql_next_result(c);
      if (more > 0) fail_with_server_error();
      if (more < 0) break;
    }
  } catch (Error& e) {
    // Short statements (SET, DROP ...) say what failed; long ones (INSERT) are
    // named by the caller's context instead.
    if (statement.size() < 200 && statement.find('\n') == std::string::npos) throw e.with_context(statement);
    throw;
  }
}

void Session::execute_ddl(const std::string& statement) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    if (mysql_real_query(connection_.get(), statement.data(), statement.size()) == 0) {
      Result result(mysql_store_result(connection_.get()));
      return;
    }
    // 1213: deadlock, 1205: lock wait timeout.
    unsigned code = mysql_errno(connection_.get());
    bool retry = (code == 1213 || code == 1205) && attempt < kAttempts;
    if (!retry) throw sql_error(connection_.get()).with_context(first_line(statement));
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
  }
}

std::vector<Row> Session::query(const std::string& statement) {
  MYSQL* c = connection_.get();
  std::vector<Row> rows;
  try {
    run(statement);
    Result result(mysql_store_result(c));
    if (!result) {
      if (mysql_field_count(c) != 0) fail_with_server_error();
      return rows;
    }
    const unsigned columns = mysql_num_fields(result.get());
    while (MYSQL_ROW values = mysql_fetch_row(result.get())) {
      const unsigned long* lengths = mysql_fetch_lengths(result.get());
      Row row;
      row.reserve(columns);
      for (unsigned i = 0; i < columns; ++i)
        row.push_back(values[i] == nullptr ? Value() : Value(std::string(values[i], lengths[i])));
      rows.push_back(std::move(row));
    }
  } catch (Error& e) {
    throw e.with_context(first_line(statement));
  }
  return rows;
}

Value Session::query_value(const std::string& statement) {
  auto rows = query(statement);
  if (rows.empty() || rows[0].empty()) return Value();
  return rows[0][0];
}

void Session::stream(const std::string& statement, const std::function<void(const StreamedRow&)>& on_row) {
  MYSQL* c = connection_.get();
  run(statement);
  // mysql_use_result: rows come off the socket one by one.  Freeing the result
  // early (on_row threw) reads the rest of it, as Connector/C++ did.
  Result result(mysql_use_result(c));
  if (!result) fail_with_server_error();
  while (MYSQL_ROW values = mysql_fetch_row(result.get()))
    on_row(StreamedRow{values, mysql_fetch_lengths(result.get())});
  // A null row is the end or an error (the connection lost mid-table).
  if (mysql_errno(c) != 0) fail_with_server_error();
}

namespace {

// Where libmariadb's per-column result callback puts a row's values.
struct BinaryRowReader {
  const std::vector<BinaryType>* types;
  std::vector<enum_field_types> field_types;
  std::vector<BinaryValue> values;
};

uint64_t little_endian(const unsigned char* p, int bytes) {
  uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}

// Called by mysql_stmt_fetch for each column of a row, with the column's
// bytes as the server sent them (binary protocol) at *row, or row null for
// NULL; must move *row past them.  No copy, no conversion in libmariadb.
void read_binary_column(void* data, unsigned int column, unsigned char** row) {
  auto& reader = *static_cast<BinaryRowReader*>(data);
  BinaryValue& value = reader.values[column];
  value.null = row == nullptr;
  if (value.null) return;
  const unsigned char* p = *row;
  switch (reader.field_types[column]) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_LONGLONG: {
      const enum_field_types type = reader.field_types[column];
      const int bytes = type == MYSQL_TYPE_TINY       ? 1
                        : type == MYSQL_TYPE_SHORT    ? 2
                        : type == MYSQL_TYPE_LONGLONG ? 8
                                                      : 4;
      uint64_t bits = little_endian(p, bytes);
      if ((*reader.types)[column] == BinaryType::Signed && bytes < 8 && (bits >> (8 * bytes - 1)) != 0)
        bits |= ~uint64_t{0} << (8 * bytes);  // sign-extended
      value.integer = static_cast<int64_t>(bits);
      p += bytes;
      break;
    }
    case MYSQL_TYPE_DATE:
    case MYSQL_TYPE_DATETIME:
    case MYSQL_TYPE_TIMESTAMP: {
      // A length (0, 4, 7 or 11), then year(2) month day [hour minute second [microseconds(4)]].
      const unsigned length = *p++;
      value.year = length >= 4 ? static_cast<unsigned>(little_endian(p, 2)) : 0;
      value.month = length >= 4 ? p[2] : 0;
      value.day = length >= 4 ? p[3] : 0;
      value.hour = length >= 7 ? p[4] : 0;
      value.minute = length >= 7 ? p[5] : 0;
      value.second = length >= 7 ? p[6] : 0;
      value.microsecond = length >= 11 ? static_cast<unsigned long>(little_endian(p + 7, 4)) : 0;
      p += length;
      break;
    }
    default: {
      // A length-encoded byte string (DECIMAL as its text, strings, blobs).
      uint64_t size = *p++;
      if (size == 252) {
        size = little_endian(p, 2);
        p += 2;
      } else if (size == 253) {
        size = little_endian(p, 3);
        p += 3;
      } else if (size == 254) {
        size = little_endian(p, 8);
        p += 8;
      }
      value.data = reinterpret_cast<const char*>(p);
      value.size = static_cast<size_t>(size);
      p += size;
      break;
    }
  }
  *row = const_cast<unsigned char*>(p);
}

}  // namespace

bool Session::stream_binary(const std::string& statement, const std::vector<BinaryType>& types,
                            const std::function<void(const std::vector<BinaryValue>&)>& on_row) {
  std::unique_ptr<MYSQL_STMT, CloseStatement> handle(mysql_stmt_init(connection_.get()));
  MYSQL_STMT* stmt = handle.get();
  if (stmt == nullptr) throw Error("out of memory for a prepared statement");
  if (mysql_stmt_prepare(stmt, statement.data(), statement.size()) != 0) throw statement_error(stmt, connection_.get());
  const size_t n = types.size();
  if (mysql_stmt_field_count(stmt) != n)
    fail("a prepared SELECT of {} columns for {} expected", mysql_stmt_field_count(stmt), n);
  BinaryRowReader reader{&types, std::vector<enum_field_types>(n), std::vector<BinaryValue>(n)};
  {
    std::unique_ptr<MYSQL_RES, FreeResult> meta(mysql_stmt_result_metadata(stmt));
    if (!meta) throw statement_error(stmt, connection_.get());
    for (size_t i = 0; i < n; ++i) {
      const MYSQL_FIELD* field = mysql_fetch_field_direct(meta.get(), static_cast<unsigned>(i));
      const enum_field_types type = field->type;
      const bool integer = type == MYSQL_TYPE_TINY || type == MYSQL_TYPE_SHORT || type == MYSQL_TYPE_INT24 ||
                           type == MYSQL_TYPE_LONG || type == MYSQL_TYPE_LONGLONG;
      const bool date = type == MYSQL_TYPE_DATE || type == MYSQL_TYPE_DATETIME || type == MYSQL_TYPE_TIMESTAMP;
      const bool bytes = type == MYSQL_TYPE_NEWDECIMAL || type == MYSQL_TYPE_STRING || type == MYSQL_TYPE_VAR_STRING ||
                         type == MYSQL_TYPE_VARCHAR || type == MYSQL_TYPE_BLOB || type == MYSQL_TYPE_TINY_BLOB ||
                         type == MYSQL_TYPE_MEDIUM_BLOB || type == MYSQL_TYPE_LONG_BLOB || type == MYSQL_TYPE_ENUM ||
                         type == MYSQL_TYPE_SET || type == MYSQL_TYPE_JSON;
      const bool expected = types[i] == BinaryType::Bytes                                      ? bytes
                            : types[i] == BinaryType::Date || types[i] == BinaryType::DateTime ? date
                                                                                               : integer;
      if (!expected) return false;  // e.g. another server's type for it: read as text
      reader.field_types[i] = type;
      reader.values[i].decimals = field->decimals;
    }
  }
  // Unbuffered (no mysql_stmt_store_result): rows come off the socket one by
  // one; no result binding: each column goes to read_binary_column.
  if (mysql_stmt_attr_set(stmt, STMT_ATTR_CB_USER_DATA, &reader) != 0 ||
      mysql_stmt_attr_set(stmt, STMT_ATTR_CB_RESULT, reinterpret_cast<const void*>(&read_binary_column)) != 0)
    throw statement_error(stmt, connection_.get());
  if (mysql_stmt_execute(stmt) != 0) throw statement_error(stmt, connection_.get());
  for (;;) {
    int status = mysql_stmt_fetch(stmt);
    if (status == MYSQL_NO_DATA) break;
    if (status != 0) throw statement_error(stmt, connection_.get());  // e.g. the connection lost mid-table
    on_row(reader.values);
  }
  return true;
}

uint64_t Session::max_allowed_packet() { return std::stoull(query_value("SELECT @@max_allowed_packet").value_or("0")); }

int64_t Session::server_started_epoch() {
  auto now = query_value("SELECT UNIX_TIMESTAMP()");
  auto uptime = query("SHOW GLOBAL STATUS LIKE 'Uptime'");
  if (!now || uptime.empty() || uptime[0].size() < 2 || !uptime[0][1]) return 0;
  return std::stoll(*now) - std::stoll(*uptime[0][1]);
}

std::string quote_identifier(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

namespace {

// The bytes the server's string syntax needs escaped, and their escape letter.
constexpr auto kEscape = [] {
  std::array<char, 256> table{};
  table[0] = '0';
  table['\n'] = 'n';
  table['\r'] = 'r';
  table['\\'] = '\\';
  table['\''] = '\'';
  table[0x1a] = 'Z';
  return table;
}();

// Length of the prefix of `data` that needs no escape.  Most values have
// none: 16 bytes a step (SSE2, part of every x86-64) instead of a lookup a byte.
size_t plain_prefix(const char* data, size_t size) {
  size_t i = 0;
#ifdef __SSE2__
  const __m128i zero = _mm_setzero_si128(), newline = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                backslash = _mm_set1_epi8('\\'), quote = _mm_set1_epi8('\''), ctrl_z = _mm_set1_epi8(0x1a);
  for (; i + 16 <= size; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, zero), _mm_cmpeq_epi8(v, newline)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, backslash)));
    hit = _mm_or_si128(hit, _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, ctrl_z)));
    if (int mask = _mm_movemask_epi8(hit); mask != 0)
      return i + static_cast<size_t>(__builtin_ctz(static_cast<unsigned>(mask)));
  }
#endif
  while (i < size && kEscape[static_cast<unsigned char>(data[i])] == 0) ++i;
  return i;
}

}  // namespace

void append_escaped(std::string& out, const char* data, size_t size) {
  for (;;) {
    size_t plain = plain_prefix(data, size);
    out.append(data, plain);
    if (plain == size) return;
    const char escaped[2] = {'\\', kEscape[static_cast<unsigned char>(data[plain])]};
    out.append(escaped, 2);
    data += plain + 1;
    size -= plain + 1;
  }
}

std::string quote_string(const std::string& text) {
  std::string out = "'";
  append_escaped(out, text.data(), text.size());
  out += '\'';
  return out;
}

void append_hex(std::string& out, const char* data, size_t size) {
  // Two digits a byte from one table.
  static constexpr auto kPairs = [] {
    constexpr char digits[] = "0123456789ABCDEF";
    std::array<char, 512> table{};
    for (size_t byte = 0; byte < 256; ++byte) {
      table[2 * byte] = digits[byte >> 4];
      table[2 * byte + 1] = digits[byte & 15];
    }
    return table;
  }();
  size_t start = out.size();
  out.resize(start + 2 * size);
  char* p = out.data() + start;
  for (size_t i = 0; i < size; ++i, p += 2) std::memcpy(p, &kPairs[size_t{2} * static_cast<unsigned char>(data[i])], 2);
}

}  // namespace civiup::snapshot::db
