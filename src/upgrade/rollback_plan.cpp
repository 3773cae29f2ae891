// plan_rollback: which snapshot to return to, and the site as it is now.
// Read-only, like plan_upgrade: every refusal happens before anything changes.
#include <spdlog/spdlog.h>

#include "civiup/backdrop/backdrop_admin.hpp"
#include "civiup/backdrop/backdrop_config.hpp"
#include "civiup/backdrop/site_admin.hpp"
#include "civiup/base/error.hpp"
#include "civiup/site/database_session.hpp"
#include "civiup/site/site.hpp"
#include "civiup/site/site_snapshot.hpp"
#include "civiup/snapshot/code/code_repository.hpp"
#include "civiup/system/paths.hpp"
#include "civiup/upgrade/site_snapshots.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

// A snapshot to roll back to has its database dumps, complete and committed.
std::optional<std::string> unusable_because(const SiteSnapshot& snapshot) {
  if (snapshot.dumps.empty() || snapshot.code_version.empty()) {
    return fmt::format("snapshot {} has no database dumps (only pre-upgrade and manual snapshots have)",
                       snapshot.id.substr(0, 12));
  }
  if (!snapshot.dumps_usable) {
    return fmt::format("snapshot {}: its dumps ({}) are missing or incomplete", snapshot.id.substr(0, 12),
                       snapshot.dumps);
  }
  return std::nullopt;
}

}  // namespace

UpgradeRun plan_rollback(const RollbackOptions& options) {
  UpgradeRun run = start_run("rollback", options.root, options.cwd, options.state_dir);
  run.command = "rollback";
  Site site = discover_site(run.root);
  std::vector<SiteSnapshot> snapshots = list_site_snapshots(run.state_dir);
  if (snapshots.empty()) fail("state directory {}: no snapshots yet, nothing to roll back to", run.state_dir.string());
  const SiteSnapshot* chosen = nullptr;
  if (!options.snapshot.empty()) {
    // The repository resolves a unique id prefix (and says when it is ambiguous).
    std::string id = snapshot::CodeRepository::open(run.code_repository()).find(options.snapshot).id;
    for (const SiteSnapshot& s : snapshots) {
      if (s.id == id) chosen = &s;
    }
    if (chosen == nullptr) fail("--to {}: no such snapshot", options.snapshot);
    if (auto why = unusable_because(*chosen)) fail("--to {}: {}", options.snapshot, *why);
  } else {
    for (const SiteSnapshot& s : snapshots) {
      if (s.kind != "pre-upgrade") continue;
      if (auto why = unusable_because(s)) {
        spdlog::warn("skipping {}", *why);
        continue;
      }
      chosen = &s;
      break;
    }
    if (chosen == nullptr)
      fail("state directory {}: no pre-upgrade snapshot with usable dumps", run.state_dir.string());
  }
  run.restore_snapshot = chosen->id;
  // Refused here, before anything changes, rather than by restore-files halfway.
  std::vector<std::string> paths = snapshot::CodeRepository::open(run.code_repository()).find(chosen->id).paths;
  if (auto why = unrestorable_path(run.root, paths, run.state_dir)) fail("{}", *why);
  run.restore_dumps = run.state_dir / "dumps" / chosen->dumps;
  run.to_version = chosen->code_version;
  run.to_db_version = chosen->db_version;

  run.from_code_version = site.code_version.str();
  std::unique_ptr<DatabaseSession> civicrm = connect_database(site.civicrm.dsn);
  run.from_db_version = read_database_version(*civicrm).str();
  std::unique_ptr<DatabaseSession> backdrop_session = connect_database(site.backdrop.database);
  run.original.maintenance_mode =
      BackdropDatabase(*backdrop_session, site.backdrop.table_prefix).state_value("maintenance_mode");
  run.original.frontpage = ActiveConfig(site.backdrop, backdrop_session.get()).frontpage();
  run.bee_argv = detect_bee();
  return run;
}

uint64_t rollback_space_needed(const UpgradeRun& run) {
  return directory_bytes(run.restore_dumps) + directory_bytes(run.root / "modules" / "civicrm");
}

}  // namespace civiup
