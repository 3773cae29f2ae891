#include "civiup/site/database_dsn.hpp"

#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/system/printable_text.hpp"

namespace civiup {

std::string url_decode(std::string_view text, std::string_view what) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    int value = 0;
    if (i + 2 >= text.size() ||
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr != text.data() + i + 3) {
      fail("{}: malformed %-escape in the URL", what);
    }
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

namespace {

// Unreserved characters (RFC 3986) stay; everything else is %-escaped.
std::string url_encode(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

// The one DSN parser.  `database_text`, when given, gets the database name as
// written in `url` (still %-encoded), so that a rewrite can replace just it.
DatabaseDsn parse(std::string_view url, std::string_view what, std::string_view* database_text) {
  DatabaseDsn dsn;
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    fail("{}: not a database URL (expected mysql://user:password@host/database)", what);
  }
  dsn.driver = std::string(url.substr(0, scheme_end));
  if (dsn.driver != "mysql" && dsn.driver != "mysqli") {
    fail("{}: unsupported database driver '{}' (civiup supports mysql and mysqli)", what, printable(dsn.driver, 20));
  }
  std::string_view rest = url.substr(scheme_end + 3);
  // The password may hold an unencoded '@' or '/': the host starts after the last '@'.
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view user_info = rest.substr(0, at);
    size_t colon = user_info.find(':');
    dsn.user = url_decode(user_info.substr(0, colon), what);
    if (colon != std::string_view::npos) dsn.password = url_decode(user_info.substr(colon + 1), what);
    rest = rest.substr(at + 1);
  }
  size_t query = rest.find('?');
  if (query != std::string_view::npos) rest = rest.substr(0, query);

  std::string_view host_part;
  if (rest.starts_with("unix(")) {  // PEAR DB form: unix(/path/to/socket)/database
    size_t close = rest.find(')');
    if (close == std::string_view::npos) fail("{}: unterminated unix( socket ) in the URL", what);
    dsn.socket = std::string(rest.substr(5, close - 5));
    dsn.host = "localhost";
    rest = rest.substr(close + 1);
  } else {
    size_t slash = rest.find('/');
    host_part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    if (host_part.starts_with("[")) {  // [ipv6]:port
      size_t close = host_part.find(']');
      if (close == std::string_view::npos) fail("{}: unterminated [IPv6] host in the URL", what);
      dsn.host = std::string(host_part.substr(1, close - 1));
      host_part = host_part.substr(close + 1);
      if (host_part.starts_with(":"))
        host_part = host_part.substr(1);
      else
        host_part = {};
    } else {
      size_t colon = host_part.find(':');
      dsn.host = std::string(host_part.substr(0, colon));
      host_part = colon == std::string_view::npos ? std::string_view() : host_part.substr(colon + 1);
    }
    if (!host_part.empty()) {
      int port = 0;
      auto [end, error] = std::from_chars(host_part.data(), host_part.data() + host_part.size(), port);
      if (error != std::errc() || end != host_part.data() + host_part.size() || port <= 0 || port > 65535) {
        fail("{}: invalid port '{}' in the URL", what, printable(host_part, 20));
      }
      dsn.port = port;
    }
  }
  if (dsn.host.empty()) fail("{}: no host in the database URL", what);
  if (!rest.starts_with("/") || rest.size() < 2) fail("{}: no database name in the URL", what);
  dsn.database = url_decode(rest.substr(1), what);
  if (dsn.database.find('/') != std::string::npos) fail("{}: invalid database name in the URL", what);
  if (dsn.user.empty()) fail("{}: no user name in the database URL", what);
  if (database_text != nullptr) *database_text = rest.substr(1);
  return dsn;
}

}  // namespace

DatabaseDsn parse_dsn(std::string_view url, std::string_view what) { return parse(url, what, nullptr); }

std::string dsn_with_database(std::string_view url, std::string_view database, std::string_view what) {
  std::string_view written;
  parse(url, what, &written);
  size_t begin = static_cast<size_t>(written.data() - url.data());
  return fmt::format("{}{}{}", url.substr(0, begin), url_encode(database), url.substr(begin + written.size()));
}

std::string DatabaseDsn::redacted() const {
  std::string where =
      socket.empty() ? (port == 0 ? host : fmt::format("{}:{}", host, port)) : fmt::format("unix({})", socket);
  return printable(fmt::format("{}://{}@{}/{}", driver, user, where, database), 300);  // names from a file: one line
}

bool DatabaseDsn::same_database(const DatabaseDsn& other) const {
  auto effective_port = [](const DatabaseDsn& dsn) { return dsn.port == 0 ? 3306 : dsn.port; };
  return host == other.host && effective_port(*this) == effective_port(other) && socket == other.socket &&
         database == other.database;
}

}  // namespace civiup
