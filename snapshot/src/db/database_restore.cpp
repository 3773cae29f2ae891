// Full and selective restore: drop what is replaced, load files in parallel over
// several connections, recreate programs, verify checksums against the manifest.
#include "civiup/snapshot/db/database_restore.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "catalogue.hpp"
#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/scope_guard.hpp"
#include "deferred_keys.hpp"
#include "definition_revert.hpp"
#include "dump_loading.hpp"
#include "privileges.hpp"
#include "row_ranges.hpp"
#include "row_sync.hpp"
#include "session.hpp"
#include "table_rows.hpp"
#include "unchanged_tables.hpp"
#include "zstd_sql_file.hpp"

namespace civiup::snapshot::db {
namespace fs = std::filesystem;
namespace {

// Row digests of live tables, as the dump computed them; filled by the tasks
// of Restorer::digest_tasks (which point into `tables`).
struct LiveDigests {
  std::map<std::string, TableInfo> tables;
  std::map<std::string, RowDigest> digests;
  std::mutex mutex;
};

class Restorer {
 public:
  Restorer(const DatabaseLogin& login, std::string database, fs::path dir, const RestoreOptions& options)
      : login_(login),
        database_(std::move(database)),
        dir_(std::move(dir)),
        options_(options),
        progress_(options.progress != nullptr ? *options.progress : no_progress()) {}

  RestoreReport run(bool selective);
  RestorePlanReport plan(const fs::path& plan_dir);

 private:
  // False (with `create` false) when the database does not exist.
  bool prepare(bool create = true);
  void load_plan();
  bool plan_holds(const std::string& table);
  std::optional<TableInfo> as_dumped(const TableInfo& live, const TableEntry& dumped);
  AlterAlgorithm alter_algorithm();
  std::set<std::string> choose_tables(bool selective);
  std::map<std::string, std::string> checksums(const std::vector<std::string>& tables);
  std::vector<Task> digest_tasks(const std::vector<std::string>& tables, LiveDigests& into);
  void check_files(const std::set<std::string>& tables);
  void repair_in_place(std::set<std::string>& tables);
  void drop(const std::string& kind, const std::string& name);
  void load(const std::set<std::string>& tables, const std::set<std::string>& verified);
  void create_tables(const std::vector<const DumpFile*>& table_files);
  std::vector<std::string> load_rows(const std::vector<const DumpFile*>& data_files);
  void add_keys_and_digest(const std::vector<std::string>& keyless_tables, const std::set<std::string>& tables);
  void add_keys(Session& session, const std::string& table);
  void verify(const std::set<std::string>& tables);

  DatabaseLogin login_;
  std::string database_;
  fs::path dir_;
  RestoreOptions options_;
  Progress& progress_;
  DumpManifest manifest_;
  std::unique_ptr<Session> session_;
  std::vector<LiveObject> live_;
  std::map<std::string, DeferredKeys> deferred_;  // tables created without some keys
  LiveDigests loaded_;                            // digests of the reloaded tables, for verify()
  std::set<std::string> repaired_;  // tables whose rows repair_in_place() changed, verified with the reloaded ones
  RestoreReport report_;
  // RestoreOptions::plan_dir's plan.json, when usable; its tables by name.
  nlohmann::json plan_;
  bool plan_trusted_ = false;                         // same server, not restarted since the plan
  std::map<std::string, RangeDiff> planned_repairs_;  // tables the plan repairs, still valid
};

bool Restorer::prepare(bool create) {
  manifest_ = load_manifest(dir_);
  if (manifest_.checksum_method != kRowDigestMethod && manifest_.checksum_method != "none")
    fail("dump {}: unknown checksum method '{}'", dir_.string(), manifest_.checksum_method);
  {
    Session server(login_, "");
    if (server.query("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + quote_string(database_))
            .empty()) {
      if (!create) return false;
      server.execute(fmt::format("CREATE DATABASE {} CHARACTER SET {} COLLATE {}", quote_identifier(database_),
                                 manifest_.default_charset, manifest_.default_collation));
      report_.created_database = true;
    }
  }
  session_ = std::make_unique<Session>(login_, database_);
  // Checks that fail before anything is dropped.
  check_restore_privileges(*session_, database_, manifest_.programs);
  uint64_t packet = session_->max_allowed_packet();
  for (const auto& file : manifest_.files)
    if (file.kind != kRowRangesKind && file.largest_statement + 1024 > packet)
      fail("{} `{}`: the dump has a statement of {} bytes ({}) but the server's max_allowed_packet is {}",
           file.kind == "data" ? "table" : file.kind, file.object, file.largest_statement, file.name, packet);
  session_->execute("SET SESSION FOREIGN_KEY_CHECKS = 0");
  live_ = list_live_objects(*session_, database_);
  return true;
}

constexpr const char* kPlanFormat = "civiup-restore-plan/1";

// The plan in RestoreOptions::plan_dir, if it is one of this dump and database.
void Restorer::load_plan() {
  if (options_.plan_dir.empty()) return;
  std::error_code error;
  const fs::path file = options_.plan_dir / "plan.json";
  if (!fs::exists(file, error)) return;
  try {
    nlohmann::json plan = nlohmann::json::parse(read_file(file));
    if (plan.at("format") != kPlanFormat || plan.at("database") != database_ ||
        plan.at("dump") != fs::absolute(dir_).lexically_normal().string() ||
        plan.at("dump_created") != manifest_.created_utc || plan.at("dump_point") != manifest_.snapshot_epoch)
      return;
    plan_ = std::move(plan);
  } catch (const std::exception&) {
    return;  // a torn or foreign file: compared as without a plan
  }
  plan_trusted_ = session_->query_value("SELECT @@datadir") == plan_.at("server_datadir").get<std::string>() &&
                  std::llabs(session_->server_started_epoch() - plan_.at("server_started").get<int64_t>()) <= 2;
}

// The plan's decision on `table` still holds: nothing was committed to it
// since the plan began (UPDATE_TIME in an earlier second on the same server,
// not restarted) and its definition is the one the plan saw.
bool Restorer::plan_holds(const std::string& table) {
  if (!plan_trusted_ || !plan_.at("tables").contains(table)) return false;
  auto object = std::find_if(live_.begin(), live_.end(),
                             [&](const LiveObject& o) { return o.kind == "table" && o.name == table; });
  if (object == live_.end() || object->update_epoch < 0 || object->update_epoch >= plan_.at("started").get<int64_t>())
    return false;
  return show_create_table(*session_, table) == plan_.at("tables").at(table).at("live_create").get<std::string>();
}

AlterAlgorithm Restorer::alter_algorithm() {
  return session_->query_value("SELECT VERSION()").value_or("").find("MariaDB") != std::string::npos
             ? AlterAlgorithm::mariadb_nocopy
             : AlterAlgorithm::mysql_instant;
}

// The live table as the dump's columns: itself when its definition is the
// dump's (AUTO_INCREMENT aside), without the columns an upgrade added when it
// is the dump's plus additions (definition_revert.hpp), else nullopt.
std::optional<TableInfo> Restorer::as_dumped(const TableInfo& live, const TableEntry& dumped) {
  if (without_auto_increment(live.create_statement) == without_auto_increment(dumped.create_statement)) return live;
  if (!revert_statement(live.name, live.create_statement, dumped.create_statement, alter_algorithm()))
    return std::nullopt;
  TableInfo info = live;
  info.columns.clear();
  for (const auto& column : live.columns)
    if (dumped.create_statement.find("\n  " + quote_identifier(column.name) + " ") != std::string::npos)
      info.columns.push_back(column);
  if (info.columns.empty() || dumped_position(info, info.integer_key) == std::string::npos) return std::nullopt;
  return info;
}

// Row digests of live tables, computed as the dump computed them, several tables at once.
std::map<std::string, std::string> Restorer::checksums(const std::vector<std::string>& tables) {
  LiveDigests live;
  run_parallel(login_, database_, options_.jobs, digest_tasks(tables, live));
  std::map<std::string, std::string> result;
  for (const auto& [name, digest] : live.digests) result[name] = digest.text();
  return result;
}

// A table bigger than its share is read in key ranges, several per connection
// (short reads, so one never holds up a concurrent ALTER TABLE of that table
// for long), so one big table (a selective restore's usual case) does not
// leave the other connections idle.
std::vector<Task> Restorer::digest_tasks(const std::vector<std::string>& tables, LiveDigests& into) {
  std::vector<Task> tasks;
  if (tables.empty()) return tasks;
  for (auto& table : read_catalogue(*session_, database_).tables) into.tables[table.name] = std::move(table);
  const uint64_t jobs = static_cast<uint64_t>(std::max(1, options_.jobs));
  uint64_t total = 0;
  for (const auto& name : tables)
    if (const TableEntry* table = manifest_.find_table(name)) total += table->data_bytes;
  for (const auto& name : tables) {
    auto it = into.tables.find(name);
    if (it == into.tables.end()) fail("table `{}` is missing after the restore", name);
    const TableEntry* dumped = manifest_.find_table(name);
    const bool big = jobs > 1 && dumped != nullptr && dumped->data_bytes > total / jobs;
    for (const std::string& where : key_ranges(*session_, it->second, big ? 4 * jobs : 1)) {
      tasks.push_back([this, &into, name, where, info = &it->second](Session& session) {
        RowDigest digest = with_context(fmt::format("checksumming table `{}`.`{}`", database_, name),
                                        [&] { return digest_table(session, *info, where); });
        std::lock_guard lock(into.mutex);
        into.digests[name].merge(digest);
      });
    }
  }
  report_.checksummed_tables.insert(report_.checksummed_tables.end(), tables.begin(), tables.end());
  return tasks;
}

std::set<std::string> Restorer::choose_tables(bool selective) {
  std::set<std::string> chosen;
  if (!selective) {
    for (const auto& table : manifest_.tables) chosen.insert(table.name);
    return chosen;
  }
  std::vector<std::string> names;
  for (const auto& table : manifest_.tables) {
    if (plan_.is_null() || !plan_.at("tables").contains(table.name)) {
      names.push_back(table.name);
      continue;
    }
    if (!plan_holds(table.name)) {
      report_.replanned_tables.push_back(table.name);
      names.push_back(table.name);
      continue;
    }
    // Decided online by the plan; not read again.
    report_.planned_tables.push_back(table.name);
    const nlohmann::json& entry = plan_.at("tables").at(table.name);
    const std::string decision = entry.at("decision");
    if (decision == "unchanged") {
      report_.unchanged_tables.push_back(table.name);
      continue;
    }
    chosen.insert(table.name);
    if (decision != "repair") continue;
    RangeDiff diff;
    diff.outcome = RowSyncResult::synced;
    diff.started_epoch = plan_.at("started").get<int64_t>();
    diff.differing = entry.at("differing").get<std::vector<int64_t>>();
    diff.stale_keys = entry.at("delete").get<std::vector<std::string>>();
    if (entry.contains("insert_file"))
      read_zstd_lines(options_.plan_dir / entry.at("insert_file").get<std::string>(),
                      [&](std::string_view line) { diff.missing_tuples.emplace_back(line); });
    if (diff.missing_tuples.size() != entry.at("inserted").get<uint64_t>())
      fail("restore plan {}: table `{}`: {} rows to insert, the plan says {}", options_.plan_dir.string(), table.name,
           diff.missing_tuples.size(), entry.at("inserted").get<uint64_t>());
    planned_repairs_[table.name] = std::move(diff);
  }
  TableComparison comparison =
      compare_with_dump(*session_, manifest_, names, live_, options_.trust_update_time,
                        [this](const std::vector<std::string>& tables) { return checksums(tables); });
  chosen.insert(comparison.changed.begin(), comparison.changed.end());
  report_.unchanged_tables.insert(report_.unchanged_tables.end(), comparison.unchanged.begin(),
                                  comparison.unchanged.end());
  return chosen;
}

// Every file about to be loaded decompresses and matches its zstd content
// checksum and the manifest's SQL size, before anything is dropped.
void Restorer::check_files(const std::set<std::string>& tables) {
  std::vector<const DumpFile*> files;
  for (const auto& file : manifest_.files) {
    if (file.kind == kRowRangesKind) continue;  // read (and checked) only when a repair uses them
    if ((file.kind != "table" && file.kind != "data") || tables.count(file.object) != 0) files.push_back(&file);
  }
  try {
    parallel_for(files.size(), thread_count(options_.jobs), [&](size_t i) { check_file(dir_, *files[i]); });
  } catch (const Error& e) {
    throw e.with_context("checking the dump's files (nothing was dropped)");
  }
}

// Selective: a big changed table (at least RestoreOptions::repair_min_bytes of
// SQL) is brought back in place when that is cheaper than reloading it.
// Additions to its definition (columns, keys, foreign keys: definition_revert.hpp)
// are dropped by an ALTER TABLE the server runs without copying the table (it
// refuses otherwise); then, its definition being the dump's, the rows that
// differ are deleted and inserted (row_sync.hpp) when they are few.  Such a
// table leaves `tables` (it is not dropped or reloaded); one whose rows were
// changed is verified with the reloaded ones.  Any other outcome, or a refused
// ALTER, leaves it to be reloaded.  Runs after the triggers are dropped.
void Restorer::repair_in_place(std::set<std::string>& tables) {
  if (!options_.repair_in_place || manifest_.checksum_method != kRowDigestMethod) return;
  std::vector<std::string> candidates;
  for (const auto& name : tables) {
    const TableEntry* dumped = manifest_.find_table(name);
    bool live = std::any_of(live_.begin(), live_.end(),
                            [&](const LiveObject& o) { return o.kind == "table" && o.name == name; });
    if (dumped != nullptr && dumped->checksum && live && dumped->data_bytes >= options_.repair_min_bytes)
      candidates.push_back(name);
  }
  if (candidates.empty()) return;
  const AlterAlgorithm algorithm = alter_algorithm();
  // Runs the ALTER that drops the additions (or resets AUTO_INCREMENT), if any;
  // the table's definition after it, nullopt when the server refused it.
  auto revert = [&](const std::string& name, const TableEntry& dumped) -> std::optional<std::string> {
    std::string live = show_create_table(*session_, name);
    auto statement = revert_statement(name, live, dumped.create_statement, algorithm);
    if (!statement) return live;
    try {
      session_->execute_ddl(*statement);
    } catch (const Error&) {
      return std::nullopt;  // e.g. the server would have to copy the table: it is reloaded instead
    }
    report_.repair_statements.push_back(*statement);
    return show_create_table(*session_, name);
  };
  // A planned repair is proven by the plan's comparison when nothing was
  // committed to the table since the plan began: read before the revert's
  // ALTER (which moves UPDATE_TIME itself).
  std::set<std::string> quiet_since_plan;
  for (const auto& [name, diff] : planned_repairs_) {
    const int64_t updated = update_epoch(*session_, name);
    if (updated >= 0 && updated < diff.started_epoch) quiet_since_plan.insert(name);
  }
  std::vector<std::string> reverted;
  for (const auto& name : candidates) {
    const TableEntry& dumped = *manifest_.find_table(name);
    auto now = revert(name, dumped);
    if (now && without_auto_increment(*now) == without_auto_increment(dumped.create_statement))
      reverted.push_back(name);
  }
  if (reverted.empty()) return;
  std::map<std::string, TableInfo> catalogue;
  for (auto& table : read_catalogue(*session_, database_).tables) catalogue[table.name] = std::move(table);
  for (const auto& name : reverted) {
    const TableEntry& dumped = *manifest_.find_table(name);
    RowSyncResult sync;
    if (auto planned = planned_repairs_.find(name); planned != planned_repairs_.end()) {
      // The plan's rows, compared online: only the apply here.
      try {
        const RangeDiff& diff = planned->second;
        sync.outcome =
            diff.stale_keys.empty() && diff.missing_tuples.empty() ? RowSyncResult::same : RowSyncResult::synced;
        sync.deleted = diff.stale_keys.size();
        sync.inserted = diff.missing_tuples.size();
        sync.differing_ranges = diff.differing.size();
        sync.verified = quiet_since_plan.count(name) != 0;
        if (sync.outcome == RowSyncResult::synced) {
          std::optional<TableRanges> ranges = load_table_ranges(dir_, manifest_, dumped);
          if (!ranges) continue;
          apply_range_diff(login_, database_, manifest_, catalogue.at(name), *ranges, diff,
                           [this] { progress_.advance(0, 0); });
        }
      } catch (const Error&) {
        continue;  // rolled back: reloaded instead
      }
    } else
      try {
        // Row ranges in the dump (civiup-db-dump/2): at any size, only the
        // ranges that differ read row by row.  Older dumps: all row hashes in memory.
        std::optional<TableRanges> ranges = load_table_ranges(dir_, manifest_, dumped);
        sync = ranges ? sync_rows_by_ranges(login_, database_, dir_, manifest_, catalogue.at(name), *ranges,
                                            options_.jobs, options_.row_sync, [this] { progress_.advance(0, 0); })
                      : sync_rows(login_, database_, dir_, manifest_, catalogue.at(name), options_.jobs,
                                  options_.row_sync);
      } catch (const Error&) {
        continue;  // rolled back (e.g. a duplicate key from a hash collision): reloaded instead; a lost server fails
                   // there
      }
    if (sync.outcome != RowSyncResult::same && sync.outcome != RowSyncResult::synced) continue;
    // Rows deleted at the top of the key range leave AUTO_INCREMENT above the dump's.
    if (revert(name, dumped) != dumped.create_statement) continue;
    tables.erase(name);
    report_.repaired_tables.push_back(name);
    report_.repaired_rows += sync.deleted + sync.inserted;
    report_.compared_ranges += sync.compared_ranges;
    report_.differing_ranges += sync.differing_ranges;
    // Not proven by the ranges read back (another write since the comparison, or no row ranges): full digest.
    if (sync.outcome == RowSyncResult::synced && !sync.verified) repaired_.insert(name);
    progress_.advance(1, dumped.data_bytes);
  }
}

void Restorer::drop(const std::string& kind, const std::string& name) {
  std::string keyword = kind;
  std::transform(keyword.begin(), keyword.end(), keyword.begin(), ::toupper);
  with_context(fmt::format("dropping {} `{}`", kind, name),
               [&] { session_->execute(fmt::format("DROP {} IF EXISTS {}", keyword, quote_identifier(name))); });
  report_.dropped_objects.push_back(kind + " " + name);
}

// The phases of loading, in order: tables, rows (and keys), the keys of tables
// loaded in key ranges (and the digests of `verified` that verify() compares), foreign
// keys, programs.
void Restorer::load(const std::set<std::string>& tables, const std::set<std::string>& verified) {
  std::vector<const DumpFile*> table_files, data_files, program_files;
  for (const auto& file : manifest_.files) {
    if (file.kind == "table" && tables.count(file.object) != 0)
      table_files.push_back(&file);
    else if (file.kind == "data" && tables.count(file.object) != 0)
      data_files.push_back(&file);
    else if (file.kind != "table" && file.kind != "data" && file.kind != kRowRangesKind)
      program_files.push_back(&file);
  }
  create_tables(table_files);
  add_keys_and_digest(load_rows(data_files), verified);
  // Foreign keys once every table has its keys; with checks off this changes metadata only.
  for (const auto& [table, keys] : deferred_)
    if (const std::string& statement = keys.add_foreign_keys; !statement.empty())
      with_context(fmt::format("adding the foreign keys of table `{}`", table),
                   [&] { session_->execute_ddl(statement); });
  // Routines, view stand-ins, views in dependency order, triggers, events: file-name order.
  for (const DumpFile* file : program_files) {
    load_file(*session_, dir_, *file);
    report_.sql_bytes += file->sql_bytes;
  }
  report_.restored_tables.assign(tables.begin(), tables.end());
}

// Tables first, in parallel, their secondary keys and foreign keys left for later.
void Restorer::create_tables(const std::vector<const DumpFile*>& table_files) {
  std::vector<Task> tasks;
  for (const DumpFile* file : table_files) {
    report_.sql_bytes += file->sql_bytes;
    const TableEntry* table = manifest_.find_table(file->object);
    if (options_.defer_indexes && table != nullptr) {
      const DeferredKeys& keys = deferred_[table->name] = defer_keys(table->name, table->create_statement);
      if (!keys.add_keys.empty() || !keys.add_foreign_keys.empty()) {
        tasks.push_back([name = table->name, create = keys.create](Session& session) {
          with_context(fmt::format("creating table `{}`", name), [&] { session.execute_ddl(create); });
        });
        continue;
      }
    }
    tasks.push_back([this, file](Session& session) { load_file(session, dir_, *file); });
  }
  run_parallel(login_, database_, options_.jobs, tasks);
}

void Restorer::add_keys(Session& session, const std::string& table) {
  auto keys = deferred_.find(table);
  if (keys != deferred_.end() && !keys->second.add_keys.empty())
    with_context(fmt::format("adding the keys of table `{}`", table),
                 [&] { session.execute_ddl(keys->second.add_keys); });
}

// A table's data files (its key-range chunks, in order) in one transaction on
// one connection: the empty table is then bulk-loaded.  Then its keys, in one
// sorted build.  Biggest tables first, so the last task to finish is a small one.
// A table too big to share the work out (a selective restore of one big table)
// is loaded chunk by chunk over all connections instead, without bulk mode (it
// locks the table for its transaction), and gets its keys after: returns those tables.
// (Not one of a few statements: there would be nothing to share out.)
constexpr uint64_t kSplitMinBytes = 4u << 20;

std::vector<std::string> Restorer::load_rows(const std::vector<const DumpFile*>& data_files) {
  std::map<std::string, std::vector<const DumpFile*>> by_table;
  uint64_t total = 0;
  for (const DumpFile* file : data_files) {
    by_table[file->object].push_back(file);
    total += file->sql_bytes;
  }
  report_.sql_bytes += total;
  const uint64_t jobs = static_cast<uint64_t>(std::max(1, options_.jobs));
  std::vector<std::pair<uint64_t, Task>> sized;
  std::vector<std::string> split_tables;
  for (const auto& [table, files] : by_table) {
    uint64_t bytes = 0;
    for (const DumpFile* file : files) bytes += file->sql_bytes;
    if (jobs > 1 && bytes > total / jobs && (files.size() > 1 || bytes > kSplitMinBytes)) {
      split_tables.push_back(table);
      // Fewer files than connections (a table dumped in one piece): each file's
      // INSERTs are shared out by their index over several connections.
      const size_t parts = files.size() >= jobs ? 1 : (jobs + files.size() - 1) / files.size();
      for (const DumpFile* file : files)
        for (size_t part = 0; part < parts; ++part)
          sized.emplace_back(file->sql_bytes / parts, [this, file, part, parts](Session& session) {
            session.execute("START TRANSACTION");
            load_file(session, dir_, *file, "SET SESSION UNIQUE_CHECKS = 1", part, parts);
            session.execute("COMMIT");
            progress_.advance(0, file->sql_bytes / parts);
          });
      continue;
    }
    sized.emplace_back(bytes, [this, files = &files, table = table](Session& session) {
      session.execute("START TRANSACTION");
      uint64_t loaded = 0;
      for (const DumpFile* file : *files) {
        load_file(session, dir_, *file);
        loaded += file->sql_bytes;
      }
      session.execute("COMMIT");
      add_keys(session, table);
      progress_.advance(1, loaded);
    });
  }
  std::stable_sort(sized.begin(), sized.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<Task> tasks;
  for (auto& entry : sized) tasks.push_back(std::move(entry.second));
  run_parallel(login_, database_, options_.jobs, tasks);
  return split_tables;
}

// The server builds a table's keys (one ALTER TABLE) on one thread, so while
// the keys of the tables loaded in key ranges are built, the other connections
// compute the verification's row digests of every reloaded table: their rows
// are all in, and adding keys or foreign keys changes no row.
void Restorer::add_keys_and_digest(const std::vector<std::string>& keyless_tables,
                                   const std::set<std::string>& tables) {
  std::vector<Task> tasks;
  for (const auto& table : keyless_tables)
    tasks.push_back([this, table](Session& session) {
      add_keys(session, table);
      progress_.advance(1, 0);
    });
  if (options_.verify) {
    std::vector<Task> digests = digest_tasks(std::vector<std::string>(tables.begin(), tables.end()), loaded_);
    tasks.insert(tasks.end(), std::make_move_iterator(digests.begin()), std::make_move_iterator(digests.end()));
  }
  run_parallel(login_, database_, options_.jobs, tasks);
}

void Restorer::verify(const std::set<std::string>& tables) {
  if (!options_.verify) return;
  std::string mismatches;
  for (const auto& name : tables) {
    const TableEntry* table = manifest_.find_table(name);
    if (show_create_table(*session_, name) != table->create_statement)
      mismatches +=
          fmt::format("{}table `{}` (its definition differs from the dump's)", mismatches.empty() ? "" : "; ", name);
  }
  // The digests were computed while the keys were built (add_keys_and_digest).
  for (const auto& name : tables) {
    const TableEntry* table = manifest_.find_table(name);
    const std::string sum = loaded_.digests[name].text();
    if (table->checksum && sum != *table->checksum)
      mismatches += fmt::format("{}table `{}` (dump {}, restored {})", mismatches.empty() ? "" : "; ", name,
                                *table->checksum, sum);
  }
  if (!mismatches.empty()) fail("checksum mismatch after restore: {}", mismatches);
}

RestorePlanReport Restorer::plan(const fs::path& plan_dir) {
  auto clock = std::chrono::steady_clock::now();
  RestorePlanReport report;
  std::error_code error;
  fs::remove_all(plan_dir, error);  // an earlier plan
  if (!prepare(false)) return report;
  const int64_t started = std::stoll(session_->query_value("SELECT UNIX_TIMESTAMP()").value_or("0"));
  nlohmann::json plan{{"format", kPlanFormat},
                      {"database", database_},
                      {"dump", fs::absolute(dir_).lexically_normal().string()},
                      {"dump_created", manifest_.created_utc},
                      {"dump_point", manifest_.snapshot_epoch},
                      {"server_datadir", session_->query_value("SELECT @@datadir").value_or("")},
                      {"server_started", session_->server_started_epoch()},
                      {"started", started},
                      {"tables", nlohmann::json::object()}};
  fs::create_directories(plan_dir);
  fs::permissions(plan_dir, fs::perms::owner_all, fs::perm_options::replace);  // rows of the dump: personal data
  std::vector<std::string> names;
  for (const auto& table : manifest_.tables) names.push_back(table.name);
  TableComparison comparison =
      compare_with_dump(*session_, manifest_, names, live_, options_.trust_update_time,
                        [this](const std::vector<std::string>& tables) { return checksums(tables); });
  nlohmann::json& tables = plan["tables"];
  for (const auto& name : comparison.unchanged) {
    tables[name] = {{"decision", "unchanged"}, {"live_create", show_create_table(*session_, name)}};
    report.unchanged_tables.push_back(name);
  }
  std::map<std::string, TableInfo> catalogue;
  for (auto& table : read_catalogue(*session_, database_).tables) catalogue[table.name] = std::move(table);
  size_t files = 0;
  for (const auto& name : comparison.changed) {
    auto live = catalogue.find(name);
    if (live == catalogue.end()) continue;  // missing: nothing to decide ahead
    nlohmann::json entry{{"decision", "reload"}, {"live_create", show_create_table(*session_, name)}};
    const TableEntry& dumped = *manifest_.find_table(name);
    std::optional<RangeDiff> diff;
    if (options_.repair_in_place && manifest_.checksum_method == kRowDigestMethod && dumped.checksum &&
        dumped.data_bytes >= options_.repair_min_bytes) {
      try {
        std::optional<TableRanges> ranges = load_table_ranges(dir_, manifest_, dumped);
        if (!ranges) continue;  // no row ranges (an older dump): left to the window's comparison
        std::optional<TableInfo> info = as_dumped(live->second, dumped);
        if (info)
          diff =
              diff_rows_by_ranges(login_, database_, dir_, manifest_, *info, *ranges, options_.jobs, options_.row_sync);
      } catch (const Error&) {
        diff.reset();  // reloaded
      }
    }
    if (diff && (diff->outcome == RowSyncResult::same || diff->outcome == RowSyncResult::synced)) {
      entry["decision"] = "repair";
      entry["differing"] = diff->differing;
      entry["delete"] = diff->stale_keys;
      entry["inserted"] = diff->missing_tuples.size();
      if (!diff->missing_tuples.empty()) {
        const std::string file = fmt::format("insert-{:05}.zst", ++files);
        ZstdSqlWriter writer(plan_dir / file, 1);
        for (const auto& tuple : diff->missing_tuples) {
          writer.append(tuple);
          writer.append("\n");
        }
        writer.finish();
        entry["insert_file"] = file;
      }
      report.repair_tables.push_back(name);
      report.repair_rows += diff->stale_keys.size() + diff->missing_tuples.size();
      report.compared_ranges += diff->compared_ranges;
      report.differing_ranges += diff->differing.size();
    } else {
      report.reload_tables.push_back(name);
    }
    tables[name] = std::move(entry);
  }
  fsync_path(plan_dir);
  write_file_durably(plan_dir / "plan.json", plan.dump(), 0600);
  report.written = true;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - clock).count();
  return report;
}

RestoreReport Restorer::run(bool selective) {
  auto started = std::chrono::steady_clock::now();
  prepare();
  if (selective) load_plan();
  std::set<std::string> tables = choose_tables(selective);
  check_files(tables);
  ScopeGuard end_progress([this] { progress_.end(); });
  progress_.begin(fmt::format("restoring {}", database_), tables.size(), "tables");

  std::set<std::string> dumped_programs;
  for (const auto& program : manifest_.programs) dumped_programs.insert(program.kind + " " + program.name);
  // Programs: a full restore replaces the dump's; a selective one recreates them all
  // and drops those the dump does not have.
  for (const auto& object : live_) {
    if (object.kind == "table") continue;
    bool replaced = dumped_programs.count(object.kind + " " + object.name) != 0 ||
                    (object.kind == "view" && manifest_.find_table(object.name) != nullptr);
    if (selective || replaced) drop(object.kind, object.name);
  }
  if (selective) repair_in_place(tables);  // after the triggers are gone
  for (const auto& object : live_) {
    if (object.kind != "table") continue;
    bool in_dump = manifest_.find_table(object.name) != nullptr;
    if (tables.count(object.name) != 0 || (selective && !in_dump) || dumped_programs.count("view " + object.name) != 0)
      drop("table", object.name);
  }
  std::set<std::string> verified = tables;  // and the tables whose rows were repaired
  verified.insert(repaired_.begin(), repaired_.end());
  load(tables, verified);
  verify(verified);
  report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report_;
}

}  // namespace

std::string summary(const RestoreReport& report) {
  return fmt::format(
      "{} tables reloaded, {} repaired in place ({} rows), {} unchanged, {} objects dropped, in {:.1f} s",
      report.restored_tables.size(), report.repaired_tables.size(), report.repaired_rows,
      report.unchanged_tables.size(), report.dropped_objects.size(), report.seconds);
}

RestoreReport restore_database(const DatabaseLogin& login, const std::string& database, const fs::path& dir,
                               const RestoreOptions& options) {
  return with_context(fmt::format("restoring database `{}` from {}", database, dir.string()),
                      [&] { return Restorer(login, database, dir, options).run(false); });
}

RestorePlanReport plan_restore(const DatabaseLogin& login, const std::string& database, const fs::path& dir,
                               const fs::path& plan_dir, const RestoreOptions& options) {
  return with_context(fmt::format("planning the selective restore of database `{}` from {}", database, dir.string()),
                      [&] { return Restorer(login, database, dir, options).plan(plan_dir); });
}

RestoreReport restore_changed(const DatabaseLogin& login, const std::string& database, const fs::path& dir,
                              const RestoreOptions& options) {
  return with_context(fmt::format("selectively restoring database `{}` from {}", database, dir.string()),
                      [&] { return Restorer(login, database, dir, options).run(true); });
}

}  // namespace civiup::snapshot::db
