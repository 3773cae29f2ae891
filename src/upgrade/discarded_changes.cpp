#include "civiup/upgrade/discarded_changes.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/site/site.hpp"
#include "civiup/snapshot/code/code_repository.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "civiup/snapshot/db/table_digests.hpp"
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

// The digests of the state being left, per database role ("civicrm", "backdrop").
std::map<std::string, db::TableDigests> baseline_digests(const fs::path& dumps, bool after_upgrade) {
  std::map<std::string, db::TableDigests> baseline;
  fs::path recorded = post_upgrade_tables_file(dumps);
  if (after_upgrade && fs::exists(recorded)) {
    return with_context(recorded.string(), [&] {
      try {
        nlohmann::json json = nlohmann::json::parse(read_file(recorded));
        for (const auto& [role, tables] : json.items()) baseline[role] = db::TableDigests::from_json(tables);
        return baseline;
      } catch (const nlohmann::json::exception& e) {
        fail("{}", e.what());
      }
    });
  }
  for (const char* role : {"civicrm", "backdrop"}) {
    if (fs::exists(dumps / role)) baseline[role] = db::dumped_table_digests(db::load_manifest(dumps / role));
  }
  return baseline;
}

// The roles compared, in the order the report lists them.
constexpr const char* kRoles[] = {"civicrm", "backdrop"};

// The digests a dump in `dir` records, when it records one for every table.
std::optional<db::TableDigests> dumped_digests(const fs::path& dir) {
  if (!fs::exists(dir)) return std::nullopt;
  db::DumpManifest manifest = db::load_manifest(dir);
  db::TableDigests digests = db::dumped_table_digests(manifest);
  if (digests.tables.size() != manifest.tables.size()) return std::nullopt;
  return digests;
}

}  // namespace

fs::path post_upgrade_tables_file(const fs::path& dumps_dir) { return dumps_dir / "post-upgrade-tables.json"; }

void record_post_upgrade_tables(UpgradeWorld& world, const fs::path& file) {
  const DatabaseDsn& civicrm = world.civicrm_settings().dsn;
  nlohmann::json tables = {{"civicrm", db::live_table_digests(database_login(civicrm), civicrm.database).to_json()}};
  if (!world.shared_database()) {
    const DatabaseDsn& backdrop = world.backdrop_settings().database;
    tables["backdrop"] = db::live_table_digests(database_login(backdrop), backdrop.database).to_json();
  }
  write_file_durably(file, tables.dump() + "\n", 0600);
}

DiscardedChanges find_discarded_changes(const UpgradeRun& run) {
  auto started = std::chrono::steady_clock::now();
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
    std::map<std::string, db::TableDigests> then = baseline_digests(run.restore_dumps, post.has_value());
    changes.table_prefix = site.backdrop.table_prefix;
    std::map<std::string, const DatabaseDsn*> dsns = {{"civicrm", &site.civicrm.dsn}};
    if (!site.civicrm.dsn.same_database(site.backdrop.database)) dsns["backdrop"] = &site.backdrop.database;
    for (const char* role : kRoles) {
      if (!dsns.contains(role)) continue;
      const DatabaseDsn& dsn = *dsns[role];
      DiscardedChanges::Compared& compared = changes.compared[role];
      compared.database = dsn.database;
      compared.then = std::move(then[role]);
      // Tables not written since the baseline was read (UPDATE_TIME, same server) are not read again.
      compared.reported = db::live_table_digests(database_login(dsn), dsn.database, {.known = &compared.then});
      spdlog::info("{}: {} tables read, {} unchanged since the baseline by UPDATE_TIME", dsn.database,
                   compared.reported.tables.size() - compared.reported.tables_reused, compared.reported.tables_reused);
      compare(dsn.database, compared.then.tables, compared.reported.tables, changes.table_prefix, changes.tables);
      if (dsn.same_database(site.backdrop.database)) {
        // maintenance-on writes this row before the window's dumps: not the site's work.
        compared.own_table = changes.table_prefix + "state";
        compared.own_rows_excluded = "`name` <> 'maintenance_mode'";
        compared.reported_without_own =
            db::live_rows_digest(database_login(dsn), dsn.database, compared.own_table, compared.own_rows_excluded);
      }
    }
    changes.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return changes;
  });
}

size_t add_written_after_question(DiscardedChanges& changes, const fs::path& dumps_dir, UpgradeWorld& world) {
  std::vector<DiscardedTable> tables;
  for (const char* role : kRoles) {
    auto it = changes.compared.find(role);
    if (it == changes.compared.end()) continue;
    const DiscardedChanges::Compared& compared = it->second;
    // The window's dump holds what the run replaces; without digests, the
    // tables written since the report are read (the others are as reported).
    const DatabaseDsn& dsn =
        std::string(role) == "civicrm" ? world.civicrm_settings().dsn : world.backdrop_settings().database;
    std::optional<db::TableDigests> window = dumped_digests(dumps_dir / role);
    if (!window) window = db::live_table_digests(database_login(dsn), compared.database, {.known = &compared.reported});
    // The table the rollback wrote itself: as reported unless its other rows moved.
    auto own = window->tables.find(compared.own_table);
    if (!compared.own_table.empty() && own != window->tables.end() &&
        db::live_rows_digest(database_login(dsn), compared.database, compared.own_table, compared.own_rows_excluded) ==
            compared.reported_without_own) {
      auto reported = compared.reported.tables.find(compared.own_table);
      if (reported != compared.reported.tables.end()) own->second = reported->second;
    }
    size_t first = tables.size();
    compare(compared.database, compared.then.tables, window->tables, changes.table_prefix, tables);
    for (size_t i = first; i < tables.size(); ++i) {
      auto reported = compared.reported.tables.find(tables[i].table);
      auto now = window->tables.find(tables[i].table);
      bool was_there = reported != compared.reported.tables.end(), is_there = now != window->tables.end();
      tables[i].after_question = was_there != is_there || (was_there && reported->second != now->second);
    }
  }
  changes.tables = std::move(tables);
  return changes.after_question();
}

size_t DiscardedChanges::after_question() const {
  return static_cast<size_t>(
      std::count_if(tables.begin(), tables.end(), [](const DiscardedTable& t) { return t.after_question; }));
}

nlohmann::json DiscardedChanges::to_json() const {
  nlohmann::json tables_json = nlohmann::json::array();
  for (const DiscardedTable& t : tables) {
    tables_json.push_back({{"database", t.database},
                           {"table", t.table},
                           {"change", t.change},
                           {"rows_then", t.rows_then},
                           {"rows_now", t.rows_now},
                           {"after_question", t.after_question}});
  }
  // A rollback to a snapshot of another release lists its whole tree: the first 100.
  nlohmann::json files_json = nlohmann::json::array();
  for (size_t i = 0; i < files.size() && i < 100; ++i) {
    files_json.push_back({{"path", files[i].path}, {"change", files[i].change}});
  }
  nlohmann::json json = {{"since", since},
                         {"tables", tables_json},
                         {"files", files_json},
                         {"files_total", files.size()},
                         {"after_question", after_question()},
                         {"seconds", seconds}};
  if (!after_question_unchecked.empty()) json["after_question_unchecked"] = after_question_unchecked;
  return json;
}

std::string DiscardedChanges::summary() const {
  return fmt::format("{} table{} and {} file{} changed since {}", tables.size(), tables.size() == 1 ? "" : "s",
                     files.size(), files.size() == 1 ? "" : "s", since);
}

namespace {

std::string table_line(const DiscardedTable& t) {
  return fmt::format("  {:<40} {:<8} {:>10} {:>10}\n", t.database + "." + t.table, t.change, t.rows_then, t.rows_now);
}

}  // namespace

std::string DiscardedChanges::after_question_text() const {
  if (!after_question_unchecked.empty()) {
    return fmt::format("what was written after the question could not be checked: {}\n", after_question_unchecked);
  }
  if (after_question() == 0) return "";
  // The run was confirmed for "the changes since ...": these are more of them, kept like the rest.
  std::string out = fmt::format("written after the question, also discarded (and kept with the rest): {} table{}\n",
                                after_question(), after_question() == 1 ? "" : "s");
  out += fmt::format("  {:<40} {:<8} {:>10} {:>10}\n", "table", "change", "rows then", "rows now");
  for (const DiscardedTable& t : tables) {
    if (t.after_question) out += table_line(t);
  }
  return out;
}

std::string DiscardedChanges::text() const {
  std::string out = summary() + ":\n";
  if (!tables.empty()) out += fmt::format("  {:<40} {:<8} {:>10} {:>10}\n", "table", "change", "rows then", "rows now");
  for (const DiscardedTable& t : tables) {
    out += table_line(t);
  }
  for (size_t i = 0; i < files.size() && i < 10; ++i) {
    out += fmt::format("  {:<40} {}\n", files[i].path, files[i].change);
  }
  if (files.size() > 10) out += fmt::format("  ... and {} more files\n", files.size() - 10);
  return out;
}

}  // namespace civiup
