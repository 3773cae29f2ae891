#include "testbed/sql_session.hpp"

#include <cctype>
#include <regex>
#include <stdexcept>

#include <cppconn/driver.h>
#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>
#include <mysql_driver.h>

namespace civiup::testbed {
namespace {

std::string url_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::unique_ptr<sql::Connection> open(const std::string& host, int port, const std::string& user,
                                      const std::string& password, const std::string& database) {
  sql::ConnectOptionsMap options;
  options["hostName"] = sql::SQLString(fmt::format("tcp://{}:{}", host, port));
  options["userName"] = sql::SQLString(user);
  options["password"] = sql::SQLString(password);
  options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  if (!database.empty()) options["schema"] = sql::SQLString(database);
  try {
    return std::unique_ptr<sql::Connection>(sql::mysql::get_mysql_driver_instance()->connect(options));
  } catch (const sql::SQLException& e) {
    throw std::runtime_error(fmt::format("connecting to {}@{}:{}/{}: {}", user, host, port, database, e.what()));
  }
}

}  // namespace

ParsedDsn parse_dsn(const std::string& dsn) {
  // mysql://user:pass@host[:port]/db[?options], as Backdrop and CiviCRM write it.
  static const std::regex pattern(R"(^mysqli?://([^:@/]*)(?::([^@/]*))?@([^:/]+)(?::(\d+))?/([^?]+)(?:\?.*)?$)");
  std::smatch match;
  if (!std::regex_match(dsn, match, pattern)) throw std::runtime_error(fmt::format("not a mysql:// DSN: '{}'", dsn));
  ParsedDsn parsed;
  parsed.user = url_decode(match[1]);
  parsed.password = url_decode(match[2]);
  parsed.host = match[3];
  if (match[4].matched) parsed.port = std::stoi(match[4]);
  parsed.database = match[5];
  return parsed;
}

SqlSession::SqlSession(const DatabaseServer& server, const std::string& database)
    : connection_(open(server.host, server.port, server.user, server.password, database)) {}

SqlSession::SqlSession(const ParsedDsn& dsn)
    : connection_(open(dsn.host, dsn.port, dsn.user, dsn.password, dsn.database)) {}

void SqlSession::run(const std::string& statement) {
  try {
    std::unique_ptr<sql::Statement> s(connection_->createStatement());
    s->execute(statement);
  } catch (const sql::SQLException& e) {
    throw std::runtime_error(fmt::format("SQL failed: {}: {}", statement.substr(0, 300), e.what()));
  }
}

void SqlSession::run_all(const std::vector<std::string>& statements) {
  for (const std::string& statement : statements) run(statement);
}

std::string SqlSession::value(const std::string& query) {
  try {
    std::unique_ptr<sql::Statement> s(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> rows(s->executeQuery(query));
    if (!rows->next() || rows->isNull(1)) return "";
    return rows->getString(1);
  } catch (const sql::SQLException& e) {
    throw std::runtime_error(fmt::format("SQL failed: {}: {}", query.substr(0, 300), e.what()));
  }
}

std::vector<std::string> SqlSession::column(const std::string& query) {
  try {
    std::unique_ptr<sql::Statement> s(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> rows(s->executeQuery(query));
    std::vector<std::string> values;
    while (rows->next()) values.push_back(rows->isNull(1) ? std::string() : std::string(rows->getString(1)));
    return values;
  } catch (const sql::SQLException& e) {
    throw std::runtime_error(fmt::format("SQL failed: {}: {}", query.substr(0, 300), e.what()));
  }
}

std::string quote_name(const std::string& name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::string quote_text(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += c == '\\' ? '\\' : '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace civiup::testbed
