#pragma once
// A connection to one MySQL/MariaDB database, behind a small interface so the
// transaction logic can be tested with fakes.  The real implementation uses
// MySQL Connector/C++ 1.1 (utf8mb4); its exceptions become civiup::Error with
// the server's message, never the password.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "civiup/site/database_dsn.hpp"
#include "civiup/site/version_number.hpp"
#include "civiup/snapshot/db/database_login.hpp"

namespace civiup {

class DatabaseSession {
 public:
  virtual ~DatabaseSession() = default;

  // The first column of the first row; nullopt for no row or SQL NULL.
  // `parameters` bind to the statement's '?' placeholders as strings.
  virtual std::optional<std::string> query_scalar(const std::string& sql,
                                                  const std::vector<std::string>& parameters = {}) = 0;
  // Runs a statement that returns no rows; returns the affected row count.
  virtual uint64_t execute(const std::string& sql, const std::vector<std::string>& parameters = {}) = 0;
  // "mysql://user@host/db" (no password), for messages.
  virtual std::string description() const = 0;
};

// Connects with Connector/C++ (utf8mb4, 10 s connect timeout).  Throws
// "connecting to mysql://user@host/db: <server message>".
std::unique_ptr<DatabaseSession> connect_database(const DatabaseDsn& dsn);

// civicrm_domain.version of the CiviCRM database, ".upgrade" suffix included
// (the caller decides what a half-upgraded database means).  Throws naming the
// database: no civicrm_domain table, no row, domains that disagree, a value
// that is not a version.
Version read_database_version(DatabaseSession& session);

// The snapshot library's login for a DSN (port 0 means 3306).
snapshot::db::DatabaseLogin database_login(const DatabaseDsn& dsn);

}  // namespace civiup
