#pragma once
// Dumps of the site's databases (CiviCRM; Backdrop and the logging database
// unless settings name one database twice) into DIR/civicrm, DIR/backdrop and
// DIR/logging (site_databases()), shared by the online pre-snapshot and the
// in-window snapshot, and the selective restores from them.  See docs/database-snapshots.md "Delta dumps".
#include <filesystem>

#include "civiup/base/progress.hpp"
#include "civiup/upgrade/upgrade_world.hpp"

namespace civiup::phases {

// Full dumps; with `base` (a directory holding the same layout, e.g. the
// pre-snapshot), deltas against the usable dumps found there.  An earlier
// interrupted attempt in `dir` is replaced.
// Each dump reports through `progress` (null: nothing).
void dump_site_databases(UpgradeWorld& world, const std::filesystem::path& dir, const std::filesystem::path& base = {},
                         Progress* progress = nullptr);

// Selective restores of the site's databases from DIR/<role> (the layout
// dump_site_databases writes; a missing logging dump leaves that database alone), after reconnecting the world's
// sessions.  Each restore reports through `progress` (null: nothing). With `plan_dir` (written by plan_site_restores),
// each restore applies its database's plan for the tables not written since it was made.
void restore_site_databases(UpgradeWorld& world, const std::filesystem::path& dir, Progress* progress = nullptr,
                            const std::filesystem::path& plan_dir = {});

// The first half of those restores, read only and online: which tables are
// unchanged, reloaded, or repaired in place with which rows, into PLAN_DIR/<role>
// (snapshot::db::plan_restore).
void plan_site_restores(UpgradeWorld& world, const std::filesystem::path& dir, const std::filesystem::path& plan_dir);

// Waits up to `timeout_seconds` until no other session of the site's database
// users is inside a transaction (information_schema.INNODB_TRX with
// PROCESSLIST), so the in-window dump sees every request the site finished.
// When time runs out, or the server does not show transactions (no PROCESS
// privilege), logs a warning naming what it saw and returns.
void wait_for_site_transactions(UpgradeWorld& world, int timeout_seconds);

}  // namespace civiup::phases
