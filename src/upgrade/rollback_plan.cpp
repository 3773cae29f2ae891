// plan_rollback: which snapshot to return to, and the site as it is now.
// Read-only, like plan_upgrade: every refusal happens before anything changes.
#include <spdlog/spdlog.h>

#include "civiup/backdrop_admin.hpp"
#include "civiup/backdrop_config.hpp"
#include "civiup/database_session.hpp"
#include "civiup/site.hpp"
#include "civiup/site_admin.hpp"
#include "civiup/snapshot/code/code_repository.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "civiup/snapshot/error.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

std::string label(const snapshot::CodeSnapshotInfo& info, const std::string& key) {
  auto it = info.labels.find(key);
  return it == info.labels.end() ? std::string() : it->second;
}

// A snapshot to roll back to has its database dumps, complete and committed.
std::optional<std::string> unusable_because(const snapshot::CodeSnapshotInfo& info, const fs::path& state_dir,
                                            bool shared_database) {
  if (label(info, "dumps").empty() || label(info, "code_version").empty()) {
    return fmt::format("snapshot {} has no database dumps (only pre-upgrade snapshots have)", info.id.substr(0, 12));
  }
  fs::path dumps = state_dir / "dumps" / label(info, "dumps");
  for (const char* part : {"civicrm", "backdrop"}) {
    if (shared_database && std::string(part) == "backdrop") continue;
    if (!snapshot::db::is_usable_dump(dumps / part)) {
      return fmt::format("snapshot {}: its dump {} is missing or incomplete", info.id.substr(0, 12),
                         (dumps / part).string());
    }
  }
  return std::nullopt;
}

}  // namespace

UpgradeRun plan_rollback(const RollbackOptions& options) {
  UpgradeRun run = start_run("rollback", options.root, options.cwd, options.state_dir);
  Site site = discover_site(run.root);
  if (!fs::is_directory(run.code_repository())) {
    fail("state directory {}: no snapshots yet, nothing to roll back to", run.state_dir.string());
  }
  bool shared = site.civicrm.dsn.same_database(site.backdrop.database);
  snapshot::CodeRepository repository = snapshot::CodeRepository::open(run.code_repository());
  std::optional<snapshot::CodeSnapshotInfo> chosen;
  if (!options.snapshot.empty()) {
    chosen = repository.find(options.snapshot);
    if (auto why = unusable_because(*chosen, run.state_dir, shared)) fail("--to {}: {}", options.snapshot, *why);
  } else {
    for (const snapshot::CodeSnapshotInfo& info : repository.list()) {
      if (label(info, "kind") != "pre-upgrade") continue;
      if (auto why = unusable_because(info, run.state_dir, shared)) {
        spdlog::warn("skipping {}", *why);
        continue;
      }
      chosen = info;
      break;
    }
    if (!chosen) fail("state directory {}: no pre-upgrade snapshot with usable dumps", run.state_dir.string());
  }
  run.restore_snapshot = chosen->id;
  run.restore_dumps = run.state_dir / "dumps" / label(*chosen, "dumps");
  run.to_version = label(*chosen, "code_version");
  run.to_db_version = label(*chosen, "db_version");

  run.from_code_version = site.code_version.str();
  std::unique_ptr<DatabaseSession> civicrm = connect_database(site.civicrm.dsn);
  run.from_db_version = read_database_version(*civicrm).str();
  std::unique_ptr<DatabaseSession> backdrop_session = connect_database(site.backdrop.database);
  run.original.maintenance_mode = BackdropDatabase(*backdrop_session, site.backdrop.table_prefix).state_value("maintenance_mode");
  run.original.frontpage = read_frontpage(site.backdrop.config_dir);
  run.bee_argv = detect_bee();
  return run;
}

}  // namespace civiup
