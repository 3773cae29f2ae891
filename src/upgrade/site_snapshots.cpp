#include "civiup/upgrade/site_snapshots.hpp"

#include <unistd.h>

#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/backdrop/civicrm_extensions.hpp"
#include "civiup/base/error.hpp"
#include "civiup/site/database_session.hpp"
#include "civiup/site/site_snapshot.hpp"
#include "civiup/snapshot/code/code_repository.hpp"
#include "civiup/snapshot/db/database_dump.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "civiup/system/paths.hpp"
#include "civiup/transaction/journal.hpp"
#include "civiup/upgrade/upgrade_run.hpp"
#include "civiup/upgrade/upgrade_world.hpp"
#include "civiup/version.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

std::string label(const snapshot::CodeSnapshotInfo& info, const char* key) {
  auto it = info.labels.find(key);
  return it == info.labels.end() ? std::string() : it->second;
}

}  // namespace

std::vector<SiteSnapshot> list_site_snapshots(const fs::path& state_dir) {
  std::vector<SiteSnapshot> snapshots;
  if (!fs::is_directory(state_dir / "code.git")) return snapshots;
  for (const snapshot::CodeSnapshotInfo& info : snapshot::CodeRepository::open(state_dir / "code.git").list()) {
    SiteSnapshot s{info.id,
                   info.created,
                   label(info, "kind"),
                   label(info, "code_version"),
                   label(info, "db_version"),
                   info.message,
                   label(info, "dumps"),
                   false,
                   0,
                   {}};
    if (!s.dumps.empty()) {
      fs::path dir = state_dir / "dumps" / s.dumps;
      // The Backdrop and logging dumps exist unless their databases were the
      // CiviCRM one (or there was no logging database) when it was taken.
      std::error_code error;
      s.dumps_usable = snapshot::db::is_usable_dump(dir / "civicrm");
      for (const char* role : {"civicrm", "backdrop", "logging"}) {
        if (!fs::exists(dir / role, error)) continue;
        s.databases.emplace_back(role);
        if (!snapshot::db::is_usable_dump(dir / role)) s.dumps_usable = false;
      }
      s.dump_bytes = directory_bytes(dir);
    }
    snapshots.push_back(std::move(s));
  }
  return snapshots;
}

SiteSnapshot take_site_snapshot(const fs::path& root, const fs::path& state_dir, const std::string& message) {
  Site site = discover_site(root);
  std::unique_ptr<DatabaseSession> civicrm = connect_database(site.civicrm.dsn);
  std::string db_version = read_database_version(*civicrm).str();
  std::string name = new_run_id();
  fs::path extensions;
  try {
    extensions = find_extensions_dir(root, site.backdrop, site.civicrm, civicrm.get()).path;
  } catch (const std::exception& e) {
    spdlog::warn("{}: the extensions directory is not added to the snapshot", e.what());
  }
  snapshot::CodeSnapshotSpec spec = site_code_snapshot_spec(root, site.backdrop, site.civicrm, extensions);
  spec.message = message.empty() ? fmt::format("manual snapshot of CiviCRM {}", site.code_version.str()) : message;
  spec.labels = {
      {"kind", "manual"}, {"code_version", site.code_version.str()}, {"db_version", db_version}, {"dumps", name}};
  spec.tool_version = kVersion;

  fs::path dumps = state_dir / "dumps" / name;
  fs::create_directories(dumps);
  fs::permissions(dumps, fs::perms::owner_all, fs::perm_options::replace);
  snapshot::CodeRepository repository = snapshot::CodeRepository::open(state_dir / "code.git");
  try {
    // Every database at one consistent point.
    std::vector<snapshot::db::DumpTarget> targets;
    for (const SiteDatabase& database : site_databases(site.backdrop, site.civicrm)) {
      targets.push_back({database_login(database.dsn), database.dsn.database, dumps / database.role(), {}});
    }
    auto manifests = snapshot::db::dump_databases(targets);
    spdlog::info("consistent point: {}", manifests.front().consistency);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(dumps, ignored);
    throw;
  }
  // The commit comes last: a snapshot is listed only once its dumps are complete.
  snapshot::CodeSnapshotResult result = repository.snapshot(spec);
  spdlog::info("snapshot {}: code {} and every database ({})", result.info.id, site.code_version.str(), dumps.string());
  SiteSnapshot taken{
      result.info.id, result.info.created,    "manual", site.code_version.str(), db_version, spec.message, name,
      true,           directory_bytes(dumps), {}};
  for (const SiteDatabase& database : site_databases(site.backdrop, site.civicrm))
    taken.databases.push_back(database.role());
  return taken;
}

PruneResult prune_site_snapshots(const fs::path& state_dir, size_t keep) {
  PruneResult result;
  std::vector<SiteSnapshot> snapshots = list_site_snapshots(state_dir);
  if (snapshots.empty()) return result;
  std::set<std::string> protect;
  // The newest pre-upgrade snapshot (what `civiup rollback` returns to), and
  // the newest state a rollback or restore replaced (what undoes it).
  for (const char* kind : {"pre-upgrade", "pre-rollback", "pre-restore"}) {
    for (const SiteSnapshot& s : snapshots) {
      if (s.kind == kind && s.dumps_usable) {
        protect.insert(s.id);
        break;
      }
    }
  }
  // Whatever an unfinished run may still need.
  if (auto record = Journal(journal_file(state_dir)).load(); record && !record->finished()) {
    std::string text = record->context.dump();
    for (const SiteSnapshot& s : snapshots) {
      if (text.find(s.id) != std::string::npos || (!s.dumps.empty() && text.find(s.dumps) != std::string::npos)) {
        protect.insert(s.id);
      }
    }
    for (const JournalPhase& phase : record->phases) {
      std::string data = phase.undo.dump();
      for (const SiteSnapshot& s : snapshots) {
        if (data.find(s.id) != std::string::npos) protect.insert(s.id);
      }
    }
  }
  snapshot::CodeRepository repository = snapshot::CodeRepository::open(state_dir / "code.git");
  // With a kept pre-upgrade snapshot, the post-upgrade one of the same run:
  // what a rollback compares with to say what it would discard.  Code only,
  // its objects shared with the live tree's: it costs next to nothing.
  std::set<std::string> protected_runs;
  std::vector<snapshot::CodeSnapshotInfo> infos = repository.list();
  for (const snapshot::CodeSnapshotInfo& info : infos) {
    if (protect.contains(info.id) && label(info, "kind") == "pre-upgrade") protected_runs.insert(label(info, "run"));
  }
  for (const snapshot::CodeSnapshotInfo& info : infos) {
    std::string run = label(info, "run");
    if (label(info, "kind") == "post-upgrade" && !run.empty() && protected_runs.contains(run)) protect.insert(info.id);
  }
  result.bytes_before = directory_bytes(state_dir / "code.git") + directory_bytes(state_dir / "dumps");
  for (size_t i = 0; i < snapshots.size(); ++i) {
    const SiteSnapshot& s = snapshots[i];
    if (i < keep || protect.contains(s.id)) continue;
    repository.remove(s.id);
    if (!s.dumps.empty()) {
      std::error_code error;
      fs::remove_all(state_dir / "dumps" / s.dumps, error);
      if (error) fail("removing {}: {}", (state_dir / "dumps" / s.dumps).string(), error.message());
    }
    result.removed.push_back(s.id);
  }
  repository.collect_garbage();
  result.bytes_after = directory_bytes(state_dir / "code.git") + directory_bytes(state_dir / "dumps");
  return result;
}

}  // namespace civiup
