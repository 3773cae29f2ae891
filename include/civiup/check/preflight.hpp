#pragma once
// Preflight: everything civiup can know about an upgrade before it changes
// anything (DESIGN.md §4 `civiup check`).  Unlike the upgrade's plan, which
// stops at the first refusal, preflight goes on after a problem and lists
// them all, so an administrator fixes everything in one round.
//
// Read-only, with one exception: the RENAME_EXCHANGE probe creates two empty
// scratch directories in the state directory (or, when it does not exist yet,
// in its nearest existing parent) and removes them at once.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace civiup {

// One phase of the plan the report prints: its name and the one line of why
// it is there (upgrade_phases.cpp's table).
struct PlannedPhase {
  std::string name;
  std::string why;
};

struct PreflightOptions {
  std::optional<std::filesystem::path> root;  // --root; else the cwd or its nearest Backdrop parent
  std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::path state_dir;  // --state-dir; empty: <root>.civiup
  std::filesystem::path release_file;
  std::optional<std::filesystem::path> l10n_file;
  std::string db_upgrade;  // --db-upgrade; empty: cv, drush, or civiup's runner (upgrader.hpp)
  std::string bee;         // --bee: a bee command line; "none": SQL; empty: bee+php from PATH
  bool force = false;
  // The upgrade's phases in their order (civiup/upgrade/phase_plan.hpp): the
  // plan the report prints.  check/ is below upgrade/ and gets them as data.
  std::vector<PlannedPhase> plan_phases;
};

struct DatabaseReport {
  std::string role;                // "civicrm", "backdrop", "logging", or joined by '+' when one database
  std::vector<std::string> roles;  // the same as a list
  std::string dsn;                 // redacted: no password
  std::string name;                // the database's name
  std::string host;                // its host (or socket path)
  bool reachable = false;
  std::vector<std::string> missing_privileges;
  std::vector<std::string> privilege_problems;  // also in PreflightReport::problems
  std::string dump_method;                      // "BACKUP STAGE" (the user has RELOAD) or "LOCK TABLES"
  uint64_t bytes = 0;                           // data + index, what a dump roughly needs
};

struct StateDirReport {
  std::filesystem::path path;
  bool exists = false;
  bool outside_web_root = false;
  bool outside_modules = false;
  bool same_filesystem = false;
  std::optional<bool> exchange_supported;  // nullopt: the probe could not run
  uint64_t free_bytes = 0;
  uint64_t needed_bytes = 0;             // dumps + staged tree + code snapshot (estimates)
  uint64_t trash_bytes = 0;              // in <state>/trash, freed before a run that needs them
  std::optional<int> trash_deleter_pid;  // a background deleter is emptying the trash
};

struct ExtensionReport {
  std::string key;
  std::string path;            // its directory; "" when not found
  std::string location;        // "extensions-dir", "release", "missing"
  std::string upgrade_action;  // "none", "disable", "disable, uninstall", "force-uninstall"
  std::string obsolete;        // "obsolete since" from extension-compatibility.json
};

struct PreflightReport {
  std::filesystem::path root;
  std::vector<PlannedPhase> plan_phases;  // PreflightOptions::plan_phases
  std::optional<std::string> code_version;
  std::optional<std::string> db_version;
  std::optional<std::string> release_version;
  uint64_t release_files = 0;
  uint64_t release_bytes = 0;                    // unpacked, l10n included
  std::vector<DatabaseReport> databases;         // CiviCRM, Backdrop, logging; one entry per distinct database
  std::vector<std::string> integration_modules;  // to disable, in disable order
  std::optional<std::string> frontpage;
  bool frontpage_is_civicrm = false;
  std::optional<bool> maintenance_mode;
  StateDirReport state_dir;
  std::vector<std::filesystem::path> duplicate_civicrm;  // other civicrm.info files under modules/
  std::filesystem::path files_dir;
  bool files_writable = false;
  std::map<std::string, std::optional<std::filesystem::path>> tools;  // bee, drush, cv -> path on PATH
  std::vector<std::string> db_upgrade_command;                        // what the upgrade would run (empty: none found)
  nlohmann::json upgrader;                                            // {kind, command, reason} (Upgrader::to_json)
  std::optional<std::filesystem::path> extensions_dir;                // where the site's extensions are
  std::string extensions_dir_setting;       // the extensionsDir value, e.g. "[civicrm.files]/ext/"
  std::string extensions_dir_source;        // "default", "civicrm_setting table", "$civicrm_setting in ..."
  bool extensions_dir_in_snapshot = false;  // inside the root: part of every code snapshot
  std::vector<ExtensionReport> extensions;  // the enabled ones, by key
  bool release_has_compatibility = false;   // the release ships extension-compatibility.json

  std::vector<std::string> problems;  // each stops the upgrade
  std::vector<std::string> notes;     // worth knowing, not stopping

  bool ready() const { return problems.empty(); }
};

// Runs every check.  Throws only when there is no site to check (no Backdrop
// root); everything else becomes a problem in the report.
PreflightReport run_preflight(const PreflightOptions& options);

// The plan for a terminal, and the `--json` fields of DESIGN.md §4 (without
// ok/exit_code/error, which the command adds).
std::string preflight_text(const PreflightReport& report);
nlohmann::json preflight_json(const PreflightReport& report);

}  // namespace civiup
