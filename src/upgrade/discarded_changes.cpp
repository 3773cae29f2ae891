#include "civiup/upgrade/discarded_changes.hpp"

#include <spdlog/spdlog.h>

#include "civiup/site/site.hpp"
#include "civiup/snapshot/code/code_repository.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "civiup/snapshot/db/table_digests.hpp"
#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/upgrade/upgrade_world.hpp"

namespace civiup {
namespace fs = std::filesystem;
namespace db = snapshot::db;

namespace {

using Digests = std::map<std::string, std::string>;

// Backdrop's cache tables are emptied on purpose (maintenance mode, module
// changes) and rebuilt on demand: nobody's work is in them.
bool is_cache_table(const std::string& table, const std::string& prefix) {
  return table == prefix + "cache" || table.starts_with(prefix + "cache_");
}

void compare(const std::string& database, const Digests& then, const Digests& now, const std::string& prefix,
             std::vector<DiscardedTable>& out) {
  for (const auto& [table, digest] : now) {
    if (is_cache_table(table, prefix)) continue;
    auto old = then.find(table);
    if (old == then.end()) {
      out.push_back({database, table, "added", 0, db::digest_rows(digest)});
    } else if (old->second != digest) {
      out.push_back({database, table, "changed", db::digest_rows(old->second), db::digest_rows(digest)});
    }
  }
  for (const auto& [table, digest] : then) {
    if (!is_cache_table(table, prefix) && !now.contains(table)) {
      out.push_back({database, table, "removed", db::digest_rows(digest), 0});
    }
  }
}

std::string label(const snapshot::CodeSnapshotInfo& info, const std::string& key) {
  auto it = info.labels.find(key);
  return it == info.labels.end() ? std::string() : it->second;
}

// The post-upgrade snapshot of the upgrade that took `target` (a pre-upgrade snapshot), if any.
std::optional<snapshot::CodeSnapshotInfo> post_upgrade_of(const snapshot::CodeRepository& repository,
                                                         const snapshot::CodeSnapshotInfo& target) {
  std::string run = label(target, "run");
  if (label(target, "kind") != "pre-upgrade" || run.empty()) return std::nullopt;
  for (const snapshot::CodeSnapshotInfo& info : repository.list()) {
    if (label(info, "kind") == "post-upgrade" && label(info, "run") == run) return info;
  }
  return std::nullopt;
}

// The digests of the state being left, per database key ("civicrm", "backdrop").
std::map<std::string, Digests> baseline_digests(const fs::path& dumps, bool after_upgrade) {
  std::map<std::string, Digests> baseline;
  fs::path recorded = post_upgrade_tables_file(dumps);
  if (after_upgrade && fs::exists(recorded)) {
    nlohmann::json json = with_context(recorded.string(), [&] {
      try {
        return nlohmann::json::parse(read_file(recorded));
      } catch (const nlohmann::json::exception& e) {
        fail("{}", e.what());
      }
    });
    for (const auto& [key, tables] : json.items()) baseline[key] = tables.get<Digests>();
    return baseline;
  }
  for (const char* key : {"civicrm", "backdrop"}) {
    if (fs::exists(dumps / key)) baseline[key] = db::dumped_table_digests(db::load_manifest(dumps / key));
  }
  return baseline;
}

}  // namespace

fs::path post_upgrade_tables_file(const fs::path& dumps_dir) { return dumps_dir / "post-upgrade-tables.json"; }

void record_post_upgrade_tables(UpgradeWorld& world, const fs::path& file) {
  nlohmann::json tables = {
      {"civicrm", db::live_table_digests(database_login(world.civicrm_settings().dsn),
                                         world.civicrm_settings().dsn.database)}};
  if (!world.shared_database()) {
    const DatabaseDsn& backdrop = world.backdrop_settings().database;
    tables["backdrop"] = db::live_table_digests(database_login(backdrop), backdrop.database);
  }
  write_file_durably(file, tables.dump() + "\n", 0600);
}

DiscardedChanges find_discarded_changes(const UpgradeRun& run) {
  return with_context("working out what would be discarded", [&] {
    Site site = discover_site(run.root);
    snapshot::CodeRepository repository = snapshot::CodeRepository::open(run.code_repository());
    snapshot::CodeSnapshotInfo target = repository.find(run.restore_snapshot);
    std::optional<snapshot::CodeSnapshotInfo> post =
        run.command == "rollback" ? post_upgrade_of(repository, target) : std::nullopt;
    DiscardedChanges changes;
    const snapshot::CodeSnapshotInfo& since = post ? *post : target;
    changes.since = post ? fmt::format("the upgrade to CiviCRM {} (snapshot {})", label(since, "code_version"),
                                       since.id.substr(0, 12))
                         : fmt::format("snapshot {}", since.id.substr(0, 12));
    for (const snapshot::PathChange& change : repository.diff_live(since.id, run.root)) {
      changes.files.push_back({change.path, std::string(snapshot::to_string(change.kind))});
    }
    std::map<std::string, Digests> then = baseline_digests(run.restore_dumps, post.has_value());
    const std::string& prefix = site.backdrop.table_prefix;
    const DatabaseDsn& civicrm = site.civicrm.dsn;
    compare(civicrm.database, then["civicrm"], db::live_table_digests(database_login(civicrm), civicrm.database),
            prefix, changes.tables);
    if (!civicrm.same_database(site.backdrop.database)) {
      const DatabaseDsn& backdrop = site.backdrop.database;
      compare(backdrop.database, then["backdrop"], db::live_table_digests(database_login(backdrop), backdrop.database),
              prefix, changes.tables);
    }
    return changes;
  });
}

nlohmann::json DiscardedChanges::to_json() const {
  nlohmann::json tables_json = nlohmann::json::array();
  for (const DiscardedTable& t : tables) {
    tables_json.push_back({{"database", t.database}, {"table", t.table}, {"change", t.change},
                           {"rows_then", t.rows_then}, {"rows_now", t.rows_now}});
  }
  // A rollback to a snapshot of another release lists its whole tree: the first 100.
  nlohmann::json files_json = nlohmann::json::array();
  for (size_t i = 0; i < files.size() && i < 100; ++i) {
    files_json.push_back({{"path", files[i].path}, {"change", files[i].change}});
  }
  return {{"since", since}, {"tables", tables_json}, {"files", files_json}, {"files_total", files.size()}};
}

std::string DiscardedChanges::summary() const {
  return fmt::format("{} table{} and {} file{} changed since {}", tables.size(), tables.size() == 1 ? "" : "s",
                     files.size(), files.size() == 1 ? "" : "s", since);
}

std::string DiscardedChanges::text() const {
  std::string out = summary() + ":\n";
  if (!tables.empty()) out += fmt::format("  {:<40} {:<8} {:>10} {:>10}\n", "table", "change", "rows then", "rows now");
  for (const DiscardedTable& t : tables) {
    out += fmt::format("  {:<40} {:<8} {:>10} {:>10}\n", t.database + "." + t.table, t.change, t.rows_then, t.rows_now);
  }
  for (size_t i = 0; i < files.size() && i < 10; ++i) {
    out += fmt::format("  {:<40} {}\n", files[i].path, files[i].change);
  }
  if (files.size() > 10) out += fmt::format("  ... and {} more files\n", files.size() - 10);
  return out;
}

}  // namespace civiup
