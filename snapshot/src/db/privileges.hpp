#pragma once
// Privilege checks made before anything starts, because a missing privilege
// otherwise fails late (a definer) or, worse, silently hides objects
// (information_schema shows no triggers without TRIGGER, no events without EVENT).
// The same reading (read_privileges) serves the dump, the restore and the
// public report a caller's preflight shows.
#include <string>
#include <vector>

#include "civiup/snapshot/db/database_dump.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "civiup/snapshot/db/privileges.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {

// The report of civiup/snapshot/db/privileges.hpp on an open session.
DatabasePrivileges read_privileges(Session& session, const std::string& database);

// Throws "user X lacks the P privilege (needed to ...)" for the first
// privilege a dump by `method` needs and the user lacks.
void check_dump_privileges(Session& session, const std::string& database, DumpConsistency method);

// `programs`: the views, triggers, routines and events to be created (their
// definers need SUPER or SET USER when they are not the current user).
void check_restore_privileges(Session& session, const std::string& database, const std::vector<ProgramEntry>& programs);

}  // namespace civiup::snapshot::db
