#pragma once
// What civiup's phases need from a site database's user, checked in ONE place
// so that `check` (and upgrade's preflight) and the phases never disagree: the
// snapshot library's own report (what its dumps and restores check before they
// start, read by the same function) plus what the database upgrade needs.
// See README "Troubleshooting privileges" and docs/database-snapshots.md "Privileges".
#include <string>
#include <vector>

#include "civiup/site/database_dsn.hpp"

namespace civiup {

struct DatabasePrivilegeCheck {
  std::string user;                   // CURRENT_USER(), user@host
  bool checkable = true;              // false with an active role (then only notes)
  std::string dump_method;            // how dumps get their consistent point: "BACKUP STAGE" or "LOCK TABLES"
  std::vector<std::string> missing;   // privilege names the user lacks on the database
  std::vector<std::string> problems;  // one line each: what is missing, why, and the GRANT that fixes it
};

// `role`: how the database is named in the problems ("civicrm database").
DatabasePrivilegeCheck check_database_privileges(const DatabaseDsn& dsn, const std::string& role);

}  // namespace civiup
