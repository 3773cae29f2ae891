#pragma once
// Privilege checks made before anything starts, because a missing privilege
// otherwise fails late (a definer) or, worse, silently hides objects
// (information_schema shows no triggers without TRIGGER, no events without EVENT).
#include <string>
#include <vector>

#include "civiup/snapshot/db/dump_manifest.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {

// Throws "user X lacks the P privilege (needed to ...)".
void check_dump_privileges(Session& session, const std::string& database, bool needs_reload);

// `programs`: the views, triggers, routines and events to be created (their
// definers need SUPER or SET USER when they are not the current user).
void check_restore_privileges(Session& session, const std::string& database,
                              const std::vector<ProgramEntry>& programs);

}  // namespace civiup::snapshot::db
