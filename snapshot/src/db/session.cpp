#include "session.hpp"

#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include <array>
#include <cstring>
#include <chrono>
#include <mutex>
#include <thread>

#include "civiup/snapshot/error.hpp"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace civiup::snapshot::db {
namespace {

// The server's message as one line, with its error code.
Error sql_error(const sql::SQLException& e) {
  std::string message = e.what();
  for (char& c : message)
    if (c == '\n' || c == '\r') c = ' ';
  if (e.getErrorCode() != 0) return Error(fmt::format("{} (MySQL error {})", message, e.getErrorCode()));
  return Error(message);
}

std::string first_line(const std::string& statement) {
  std::string line = statement.substr(0, statement.find('\n'));
  return line.size() > 80 ? line.substr(0, 80) + "..." : line;
}

sql::mysql::MySQL_Driver* driver() {
  // get_driver_instance is not thread-safe on first use.
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  return sql::mysql::get_mysql_driver_instance();
}

}  // namespace

Session::Session(const DatabaseLogin& login, const std::string& database) {
  sql::ConnectOptionsMap options;
  if (!login.socket.empty())
    options["hostName"] = sql::SQLString("unix://" + login.socket);
  else
    options["hostName"] = sql::SQLString(fmt::format("tcp://{}:{}", login.host, login.port));
  options["userName"] = sql::SQLString(login.user);
  options["password"] = sql::SQLString(login.password);
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  options["OPT_RECONNECT"] = false;  // a silent reconnect would leave the snapshot
  if (!database.empty()) options["schema"] = sql::SQLString(database);
  try {
    connection_.reset(driver()->connect(options));
    // One session context for everything the library reads and writes.
    execute("SET SESSION time_zone = '+00:00', sql_mode = 'NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION', "
            "net_read_timeout = 3600, net_write_timeout = 3600, wait_timeout = 86400");
    // MySQL 8 serves information_schema.TABLES.UPDATE_TIME from a statistics
    // cache unless the reading session sets the expiry to 0 (delta dumps and
    // selective restores trust UPDATE_TIME).  MariaDB has no such variable.
    if (query_value("SHOW SESSION VARIABLES LIKE 'information_schema_stats_expiry'"))
      execute("SET SESSION information_schema_stats_expiry = 0");
  } catch (const sql::SQLException& e) {
    throw sql_error(e).with_context(fmt::format(
        "connecting to {}@{}", login.user,
        login.socket.empty() ? fmt::format("{}:{}", login.host, login.port) : login.socket));
  }
}

Session::~Session() = default;

void Session::execute(const std::string& statement) {
  try {
    std::unique_ptr<sql::Statement> s(connection_->createStatement());
    s->execute(statement);
    // Drain any result (SET, SHOW ...), so the connection is ready for the next one.
    std::unique_ptr<sql::ResultSet> rs(s->getResultSet());
    while (s->getMoreResults()) rs.reset(s->getResultSet());
  } catch (const sql::SQLException& e) {
    // Short statements (SET, DROP ...) say what failed; long ones (INSERT) are
    // named by the caller's context instead.
    if (statement.size() < 200 && statement.find('\n') == std::string::npos)
      throw sql_error(e).with_context(statement);
    throw sql_error(e);
  }
}

void Session::execute_ddl(const std::string& statement) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    try {
      std::unique_ptr<sql::Statement> s(connection_->createStatement());
      s->execute(statement);
      return;
    } catch (const sql::SQLException& e) {
      // 1213: deadlock, 1205: lock wait timeout.
      bool retry = (e.getErrorCode() == 1213 || e.getErrorCode() == 1205) && attempt < kAttempts;
      if (!retry) throw sql_error(e).with_context(first_line(statement));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
  }
}

std::vector<Row> Session::query(const std::string& statement) {
  std::vector<Row> rows;
  try {
    std::unique_ptr<sql::Statement> s(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> rs(s->executeQuery(statement));
    const unsigned columns = rs->getMetaData()->getColumnCount();
    while (rs->next()) {
      Row row;
      row.reserve(columns);
      for (unsigned i = 1; i <= columns; ++i)
        row.push_back(rs->isNull(i) ? Value() : Value(std::string(rs->getString(i))));
      rows.push_back(std::move(row));
    }
  } catch (const sql::SQLException& e) {
    throw sql_error(e).with_context(first_line(statement));
  }
  return rows;
}

Value Session::query_value(const std::string& statement) {
  auto rows = query(statement);
  if (rows.empty() || rows[0].empty()) return Value();
  return rows[0][0];
}

void Session::stream(const std::string& statement, const std::function<void(sql::ResultSet&)>& on_row) {
  try {
    std::unique_ptr<sql::Statement> s(connection_->createStatement());
    s->setResultSetType(sql::ResultSet::TYPE_FORWARD_ONLY);
    std::unique_ptr<sql::ResultSet> rs(s->executeQuery(statement));
    while (rs->next()) on_row(*rs);
  } catch (const sql::SQLException& e) {
    throw sql_error(e);
  }
}

uint64_t Session::max_allowed_packet() {
  return std::stoull(query_value("SELECT @@max_allowed_packet").value_or("0"));
}

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
    if (int mask = _mm_movemask_epi8(hit); mask != 0) return i + static_cast<size_t>(__builtin_ctz(mask));
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
    for (int byte = 0; byte < 256; ++byte) {
      table[2 * byte] = digits[byte >> 4];
      table[2 * byte + 1] = digits[byte & 15];
    }
    return table;
  }();
  size_t start = out.size();
  out.resize(start + 2 * size);
  char* p = out.data() + start;
  for (size_t i = 0; i < size; ++i, p += 2) std::memcpy(p, &kPairs[2 * static_cast<unsigned char>(data[i])], 2);
}

}  // namespace civiup::snapshot::db
