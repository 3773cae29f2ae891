#pragma once
// civiup rehearse: a copy of the site — the code from a fresh code snapshot,
// both databases dumped and restored under new names — with its settings
// rewritten to point at itself, ready for the same upgrade as production.
// Production is only read.  docs/rehearse.md has the decisions.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "civiup/site/settings_rewrite.hpp"
#include "civiup/site/site.hpp"
#include "civiup/transaction/transaction.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {

struct RehearseOptions {
  UpgradeOptions upgrade;         // for production (root, state dir) and, re-rooted, for the copy
  std::filesystem::path to_root;  // --to-root: absent or an empty directory
  std::string db_prefix;          // --to-db-prefix: the copy's databases are <prefix><original name>
};

struct RehearsalDatabase {
  std::string role;  // "civicrm", "backdrop", "logging": SiteDatabase::role() (one copy per distinct database)
  std::string from;
  std::string to;
  DatabaseDsn dsn;  // production's (never written to the marker: it holds the password)
};

struct RehearsalPlan {
  Site site;                        // production
  std::filesystem::path to_root;    // absolute
  std::filesystem::path state_dir;  // <to_root>.civiup: the copy's own state directory
  std::vector<RehearsalDatabase> databases;
  SettingsRewrite rewrite;
};

// Everything is checked before anything is written (exit 2): the copy's root
// and state directory are outside production's root and state directory and
// absent or empty; the prefix is a plain name; no copy database collides with
// a production database or exists already; production has no unfinished run.
RehearsalPlan plan_rehearsal(const RehearseOptions& options);

// Creates the copy's state directory (0700) with rehearsal.json, before
// anything else of the copy exists.
void begin_rehearsal_copy(const RehearsalPlan& plan);

// Makes the copy: rehearsal.json first (so --cleanup can always remove what
// was made), then code, databases, settings; the copy's settings are read
// back and must name only the copy.  Each step's duration goes to `steps`.
// On failure everything made is removed again and the error is rethrown.
void make_rehearsal_copy(const RehearsalPlan& plan, std::vector<PhaseReport>& steps);

// The marker of a rehearsal copy, in its state directory.
std::filesystem::path rehearsal_marker(const std::filesystem::path& state_dir);

struct RemovedCopy {
  std::filesystem::path to_root;
  std::vector<std::string> dropped_databases;
};

// Removes the copy at `to_root` that rehearsal.json describes: the databases
// it records as created by the rehearsal (never a production one), the tree
// and its state directory.  Refuses a directory without the marker.
RemovedCopy remove_rehearsal_copy(const std::filesystem::path& to_root);

}  // namespace civiup
