#pragma once
// Where a database lives and who we are there.  The snapshot library opens its
// own connections (several at once), so it takes the login, not a connection.
#include <string>

namespace civiup::snapshot::db {

struct DatabaseLogin {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string socket;  // used instead of host:port when set
  std::string user;
  std::string password;
};

}  // namespace civiup::snapshot::db
