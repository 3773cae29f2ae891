#pragma once
// Database coordinates as Backdrop and CiviCRM write them:
// "mysql://user:password@host:port/database?new_link=true" (user and password
// URL-encoded), or the parts of Backdrop's $databases array.
#include <string>
#include <string_view>

namespace civiup {

struct DatabaseDsn {
  std::string driver = "mysql";  // mysql or mysqli (the same server protocol)
  std::string user;
  std::string password;  // never printed: see redacted()
  std::string host = "localhost";
  int port = 0;        // 0: the default (3306, or the socket for localhost)
  std::string socket;  // unix socket path, when given
  std::string database;

  // "mysql://user@host:port/database": for messages and logs (no password).
  std::string redacted() const;
  // Same server and database (what decides whether Backdrop and CiviCRM share one).
  bool same_database(const DatabaseDsn& other) const;
};

// Parses a DSN URL.  `what` names it in errors ("CIVICRM_DSN in /x/civicrm.settings.php");
// an error never repeats the DSN text (it holds the password).
DatabaseDsn parse_dsn(std::string_view url, std::string_view what);

// `url` naming `database` instead (%-encoded as needed); the rest of it is kept
// byte for byte.  Throws as parse_dsn does when `url` is not a DSN.
std::string dsn_with_database(std::string_view url, std::string_view database, std::string_view what);

// "%40" -> "@"; `what` names the value in errors.
std::string url_decode(std::string_view text, std::string_view what);

}  // namespace civiup
