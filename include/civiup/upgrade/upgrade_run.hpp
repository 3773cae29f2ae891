#pragma once
// One upgrade run: everything fixed before the first phase acts, stored as the
// journal's context so that `civiup recover` (a later process, after a crash)
// knows the same paths, versions and original site values as the run did.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "civiup/transaction/state_dir.hpp"

namespace civiup {

struct DiscardedChanges;

// What the site looked like before the upgrade changed anything, read in
// preflight.  Phases that put a value back use these, not a re-read.
struct OriginalSiteValues {
  std::optional<std::string> maintenance_mode;       // raw `state` value; nullopt = no row
  std::string frontpage;                             // system.core.json site_frontpage
  std::vector<std::string> integration_modules;      // enabled dependents of civicrm, enable order
  std::map<std::string, std::string> module_status;  // their raw `system.status`
};

struct UpgradeRun {
  std::string transaction = "upgrade";  // "upgrade" or "rollback": which phase list runs
  std::string command = "upgrade";      // the command that started it: upgrade, rollback, restore
  std::string id;                       // "20261126T070102Z-4242": names dumps, staging, logs
  std::filesystem::path root;           // the Backdrop root
  std::filesystem::path state_dir;
  std::filesystem::path release_file;
  std::optional<std::filesystem::path> l10n_file;
  std::vector<std::string> db_upgrade_argv;  // the DB upgrade command, run in `root`
  std::map<std::string, std::string> db_upgrade_env;
  std::string db_upgrade_kind;              // upgrader.hpp: command, cv, drush, runner-bee, runner-php
  std::filesystem::path db_upgrade_runner;  // civiup's runner, written here before it runs (empty: not used)
  int db_upgrade_timeout_seconds = 3600;
  int quiesce_timeout_seconds = 10;   // wait for the site's open transactions before the in-window dump
  std::vector<std::string> bee_argv;  // bee for Backdrop operations; empty: SQL

  std::string from_code_version;
  std::string from_db_version;
  std::string to_version;     // the code version the run ends with
  std::string to_db_version;  // the database version it ends with
  bool force = false;
  // rollback: the code snapshot to return to and the directory of its database dumps.
  std::string restore_snapshot;
  std::filesystem::path restore_dumps;
  std::string health_url;                // checked over HTTP before the commit point (empty: no check)
  std::string health_source;             // where health_url came from: "--url" or the settings
  std::string health_skipped;            // why there is no health check (empty when there is one)
  std::filesystem::path extensions_dir;  // CiviCRM's extensionsDir, resolved: in the code snapshots
  std::string safe_frontpage = "user";   // the front page while CiviCRM is being replaced
  OriginalSiteValues original;
  // A rollback's or restore's report of what it discards, asked about before
  // the run; keep-replaced adds what was written after the question.  Not
  // journaled: that phase runs forward only in the process that asked.
  std::shared_ptr<DiscardedChanges> discarded;

  // Where this run keeps its things in the state directory.
  std::filesystem::path staging_dir() const { return state_dir / "staging" / id; }
  std::filesystem::path staged_tree() const { return staging_dir() / "civicrm"; }
  std::filesystem::path dumps_dir() const { return state_dir / "dumps" / id; }
  // The online full dumps taken before the window; the window's dumps are deltas against them.
  std::filesystem::path pre_dumps_dir() const { return state_dir / "pre-dumps" / id; }
  // Rollback: the selective restores' plans, made online, applied in the window.
  std::filesystem::path restore_plan_dir() const { return state_dir / "pre-dumps" / (id + ".restore-plan"); }
  std::filesystem::path code_repository() const { return state_dir / "code.git"; }

  nlohmann::json to_json() const;
  static UpgradeRun from_json(const nlohmann::json& json);  // throws Error naming a missing or bad key
};

// The state directory's fixed parts.

// A new run id: UTC time and pid, sortable.
std::string new_run_id();

}  // namespace civiup
