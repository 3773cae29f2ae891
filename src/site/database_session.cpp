#include "civiup/site/database_session.hpp"

#include <sys/stat.h>

#include <cppconn/connection.h>
#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <fmt/format.h>
#include <mysql_driver.h>

#include "civiup/base/error.hpp"

namespace civiup {
namespace {

// Converts Connector/C++ exceptions at the boundary; the server's message
// names the user at most, never the password.
template <typename Body>
auto converting_sql_errors(std::string_view context, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const sql::SQLException& e) {
    fail("{}: {} (MySQL error {})", context, e.what(), e.getErrorCode());
  }
}

// Where Debian/Ubuntu, RHEL and source builds put the server's socket.
std::optional<std::string> default_socket() {
  for (const char* path :
       {"/run/mysqld/mysqld.sock", "/var/run/mysqld/mysqld.sock", "/var/lib/mysql/mysql.sock", "/tmp/mysql.sock"}) {
    struct stat info {};
    if (::stat(path, &info) == 0 && S_ISSOCK(info.st_mode)) return std::string(path);
  }
  return std::nullopt;
}

class ConnectorSession final : public DatabaseSession {
 public:
  ConnectorSession(std::unique_ptr<sql::Connection> connection, std::string description)
      : connection_(std::move(connection)), description_(std::move(description)) {}

  std::optional<std::string> query_scalar(const std::string& sql, const std::vector<std::string>& parameters) override {
    return converting_sql_errors(context(sql), [&]() -> std::optional<std::string> {
      auto statement = prepare(sql, parameters);
      std::unique_ptr<sql::ResultSet> rows(statement->executeQuery());
      if (!rows->next() || rows->isNull(1)) return std::nullopt;
      return std::string(rows->getString(1));
    });
  }

  uint64_t execute(const std::string& sql, const std::vector<std::string>& parameters) override {
    return converting_sql_errors(context(sql), [&]() -> uint64_t {
      auto statement = prepare(sql, parameters);
      return static_cast<uint64_t>(statement->executeUpdate());
    });
  }

  std::string description() const override { return description_; }

 private:
  std::string context(const std::string& sql) const { return fmt::format("{}: {}", description_, sql.substr(0, 120)); }

  std::unique_ptr<sql::PreparedStatement> prepare(const std::string& sql, const std::vector<std::string>& parameters) {
    std::unique_ptr<sql::PreparedStatement> statement(connection_->prepareStatement(sql));
    for (size_t i = 0; i < parameters.size(); ++i) {
      statement->setString(static_cast<unsigned int>(i + 1), parameters[i]);
    }
    return statement;
  }

  std::unique_ptr<sql::Connection> connection_;
  std::string description_;
};

}  // namespace

std::unique_ptr<DatabaseSession> connect_database(const DatabaseDsn& dsn) {
  std::string description = dsn.redacted();
  return converting_sql_errors(fmt::format("connecting to {}", description), [&] {
    sql::ConnectOptionsMap options;
    std::string socket = dsn.socket;
    // PHP (mysqli, PDO) reaches "localhost" without a port through the
    // default unix socket, not TCP: servers with skip-networking and
    // socket-only accounts work for Backdrop, so they must work here.
    if (socket.empty() && dsn.host == "localhost" && dsn.port == 0) socket = default_socket().value_or("");
    if (!socket.empty()) {
      options["hostName"] = sql::SQLString("localhost");
      options["socket"] = sql::SQLString(socket);
    } else {
      options["hostName"] = sql::SQLString(fmt::format("tcp://{}:{}", dsn.host, dsn.port == 0 ? 3306 : dsn.port));
    }
    options["userName"] = sql::SQLString(dsn.user);
    options["password"] = sql::SQLString(dsn.password);
    options["schema"] = sql::SQLString(dsn.database);
    options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    options["OPT_CONNECT_TIMEOUT"] = 10;
    options["OPT_RECONNECT"] = false;
    sql::mysql::MySQL_Driver* driver = sql::mysql::get_mysql_driver_instance();
    std::unique_ptr<sql::Connection> connection(driver->connect(options));
    return std::unique_ptr<DatabaseSession>(new ConnectorSession(std::move(connection), description));
  });
}

Version read_database_version(DatabaseSession& session) {
  return with_context(fmt::format("reading the CiviCRM version of {}", session.description()), [&] {
    auto tables = session.query_scalar(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = "
        "'civicrm_domain'");
    if (tables.value_or("0") == "0") fail("no civicrm_domain table (is CiviCRM installed in this database?)");
    auto distinct = session.query_scalar("SELECT COUNT(DISTINCT COALESCE(version, '')) FROM civicrm_domain");
    if (distinct.value_or("0") == "0") fail("civicrm_domain has no rows");
    if (distinct != "1") fail("the rows of civicrm_domain hold different versions");
    auto text = session.query_scalar("SELECT version FROM civicrm_domain ORDER BY id LIMIT 1");
    if (!text || text->empty()) fail("civicrm_domain.version is empty");
    return Version::parse(*text);
  });
}

snapshot::db::DatabaseLogin database_login(const DatabaseDsn& dsn) {
  snapshot::db::DatabaseLogin login;
  login.host = dsn.host;
  login.port = dsn.port == 0 ? 3306 : dsn.port;
  login.socket = dsn.socket;
  login.user = dsn.user;
  login.password = dsn.password;
  return login;
}

}  // namespace civiup
