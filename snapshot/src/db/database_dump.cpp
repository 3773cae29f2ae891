// The dump: a consistent point shared by all workers, then tables streamed in
// parallel (large ones in key ranges), DDL files, and the manifest last.
#include "civiup/snapshot/db/database_dump.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>

#include "catalogue.hpp"
#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/parallel_for.hpp"
#include "civiup/base/scope_guard.hpp"
#include "consistent_point.hpp"
#include "delta_dump.hpp"
#include "privileges.hpp"
#include "row_ranges.hpp"
#include "session.hpp"
#include "sql_files.hpp"
#include "table_rows.hpp"
#include "zstd_sql_file.hpp"

namespace civiup::snapshot::db {
namespace fs = std::filesystem;
namespace {

// One unit of a worker's work: a table's rows in a key range.
struct WorkItem {
  size_t table = 0;
  size_t chunk = 0;
  std::string where;  // "" or " WHERE `id` >= 1 AND `id` < 100"
  uint64_t estimated_bytes = 0;
};

class Dumper {
 public:
  Dumper(const DumpTarget& target, const DumpOptions& options)
      : login_(target.login),
        database_(target.database),
        dir_(target.dir),
        options_(options),
        progress_(options.progress != nullptr ? *options.progress : no_progress()) {
    options_.base = target.base;
  }

  // The directory, the server's facts; the method Automatic stands for with this user.
  DumpConsistency prepare();
  void check_privileges(DumpConsistency method);
  // The catalogue: called while no DDL can change the tables.
  void read_definitions();
  // Everything after the consistent point, on `workers` (in their snapshots).
  DumpManifest dump(const ConsistentPoint& point, std::vector<std::unique_ptr<Session>>& workers);
  bool mariadb() const { return mariadb_; }

 private:
  void read_server_facts(Session& session);
  std::vector<WorkItem> begin_manifest(const ConsistentPoint& point, std::vector<std::unique_ptr<Session>>& workers);
  std::vector<WorkItem> plan_work(Session& session);
  void commit_manifest();
  void work(Session& session, const std::vector<WorkItem>& items);
  void dump_rows(Session& session, const WorkItem& item);
  void write_ddl_file(const std::string& name, const std::string& kind, const std::string& object,
                      const std::string& content);
  void write_definition_files();
  void add_file(const ZstdSqlWriter& writer, const std::string& kind, const std::string& object);

  DatabaseLogin login_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::unique_ptr<Session> catalogue_session_;
  std::string database_;
  fs::path dir_;
  DumpOptions options_;
  Progress& progress_;
  uint64_t statement_limit_ = 0;
  uint64_t max_packet_ = 0;  // the server's max_allowed_packet
  bool mariadb_ = true;
  Catalogue catalogue_;
  DumpManifest manifest_;
  std::vector<RowDigest> digests_;                   // per table, merged from its chunks
  std::vector<size_t> chunks_left_;                  // per table: data files still to write
  std::vector<bool> reused_;                         // per table: taken from the base dump (delta)
  std::vector<std::optional<RangeLayout>> layouts_;  // per table: its row ranges' layout, if it gets row ranges
  std::mutex mutex_;                                 // guards manifest_ while workers run
  std::atomic<size_t> next_item_{0};
  std::atomic<bool> failed_{false};
  BackgroundSync sync_;  // files are synced off the workers' path, all before the manifest
};

void Dumper::read_server_facts(Session& session) {
  auto facts = session.query(
      "SELECT VERSION(), @@datadir, DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME "
      "FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
      quote_string(database_));
  if (facts.empty()) fail("no such database");
  manifest_.server_version = facts[0][0].value_or("");
  manifest_.server_datadir = facts[0][1].value_or("");
  manifest_.server_started_epoch = session.server_started_epoch();
  manifest_.default_charset = facts[0][2].value_or("");
  manifest_.default_collation = facts[0][3].value_or("");
  mariadb_ = manifest_.server_version.find("MariaDB") != std::string::npos;
  // An INSERT must fit the server's packet with room for the protocol header.
  uint64_t packet = session.max_allowed_packet();
  max_packet_ = packet;
  statement_limit_ = std::min<uint64_t>(options_.statement_bytes, packet > 8192 ? packet - 4096 : packet / 2);
}

std::vector<WorkItem> Dumper::plan_work(Session& session) {
  std::vector<WorkItem> items;
  layouts_.assign(catalogue_.tables.size(), std::nullopt);
  std::map<std::string, uint64_t> estimated_rows;
  if (options_.checksums)
    for (const auto& row : session.query("SELECT TABLE_NAME, COALESCE(TABLE_ROWS, 0) FROM information_schema.TABLES "
                                         "WHERE TABLE_SCHEMA = " +
                                         quote_string(database_)))
      estimated_rows[row[0].value_or("")] = std::stoull(row[1].value_or("0"));
  for (size_t t = 0; t < catalogue_.tables.size(); ++t) {
    if (reused_[t]) continue;
    const TableInfo& table = catalogue_.tables[t];
    // Row ranges (row_ranges.hpp) for the tables a selective restore may repair in place.
    if (options_.checksums && !table.integer_key.empty() && table.type == "BASE TABLE" &&
        table.data_length >= options_.row_ranges_min_bytes) {
      const std::string key = quote_identifier(table.integer_key);
      auto bounds = session.query(fmt::format("SELECT MIN({0}), MAX({0}) FROM {1}", key, quote_identifier(table.name)));
      if (!bounds.empty() && bounds[0][0] && bounds[0][1]) {
        auto low = parse_key(*bounds[0][0]), high = parse_key(*bounds[0][1]);
        if (low && high) layouts_[t] = choose_layout(*low, *high, estimated_rows[table.name]);
      }
    }
    uint64_t chunks = table.integer_key.empty() || table.type != "BASE TABLE"
                          ? 1
                          : std::max<uint64_t>(1, table.data_length / std::max<uint64_t>(1, options_.chunk_bytes));
    // Bounds need not be consistent: the first range is open below, the last above.
    std::vector<std::string> ranges = key_ranges(session, table, chunks);
    for (size_t c = 0; c < ranges.size(); ++c)
      items.push_back({t, c + 1, ranges[c], table.data_length / ranges.size()});
  }
  std::stable_sort(items.begin(), items.end(),
                   [](const WorkItem& a, const WorkItem& b) { return a.estimated_bytes > b.estimated_bytes; });
  return items;
}

void Dumper::add_file(const ZstdSqlWriter& writer, const std::string& kind, const std::string& object) {
  std::lock_guard lock(mutex_);
  manifest_.files.push_back(DumpFile{writer.path().filename().string(), kind, object, writer.file_bytes(),
                                     writer.sql_bytes(), writer.largest_statement()});
}

void Dumper::write_ddl_file(const std::string& name, const std::string& kind, const std::string& object,
                            const std::string& content) {
  ZstdSqlWriter writer(dir_ / name, options_.zstd_level);
  writer.append(content);
  writer.finish(&sync_);
  add_file(writer, kind, object);
}

// Multi-row INSERTs, each under the statement limit: rows are appended to the
// statement in place; the row that would cross the limit moves to the next one.
class InsertWriter : public RowSink {
 public:
  // `range`: " WHERE ..." of a key-range chunk or "", to say which row is too big.
  InsertWriter(std::string insert, std::string range, uint64_t limit, uint64_t max_packet, ZstdSqlWriter& writer,
               const std::atomic<bool>& stop)
      : insert_(std::move(insert)),
        range_(std::move(range)),
        limit_(limit),
        max_packet_(max_packet),
        writer_(writer),
        stop_(stop) {
    statement_.reserve(limit_ + 4096);
  }

  std::string& begin_row() override {
    if (statement_.empty())
      statement_ = insert_;
    else
      statement_ += ',';
    return statement_;
  }

  void end_row(size_t start) override {
    std::string_view row(statement_.data() + start, statement_.size() - start);
    const uint64_t hash = RowDigest::hash(row);
    digest_.add_hash(hash);
    if (layout_) record_range(row, hash);
    bool alone = start == insert_.size();
    if (!alone && statement_.size() + 2 > limit_) {
      std::string moved(row);
      statement_.resize(start - 1);  // without the comma before the row
      flush();
      statement_ = insert_ + moved;
      alone = true;
    }
    // One row alone over the packet: no server with this setting could load it.
    if (alone && statement_.size() + 2 > max_packet_)
      fail(
          "row {}{} needs an INSERT of {} bytes, over the server's max_allowed_packet of {} (raise it here and "
          "on the server that will load the dump)",
          digest_.rows(), range_.empty() ? "" : " of those" + range_, statement_.size() + 2, max_packet_);
    if (stop_.load(std::memory_order_relaxed)) fail("stopped: another worker failed");
  }

  void flush() {
    if (statement_.empty()) return;
    statement_ += ";\n";
    sql_bytes_ += statement_.size();
    writer_.append(statement_);
    statement_.clear();
  }

  const RowDigest& digest() const { return digest_; }
  uint64_t sql_bytes() const { return sql_bytes_; }

  // Also records the row ranges of the rows (row_ranges.hpp), by the key at `key_position` of each tuple.
  void record_ranges(const RangeLayout& layout, size_t key_position) {
    layout_ = layout;
    key_position_ = key_position;
  }
  // The row ranges' file, or "" when not recorded (or a key was not an integer).
  std::string ranges_file(const std::string& key) {
    if (!layout_ || bad_key_) return "";
    return ranges_file_content(key, *layout_, min_key_, max_key_, ranges_.sorted());
  }

 private:
  void record_range(std::string_view row, uint64_t hash) {
    auto key = parse_key(tuple_field(row, key_position_));
    if (!key) {
      bad_key_ = true;
      layout_.reset();
      return;
    }
    if (!min_key_ || *key < *min_key_) min_key_ = key;
    if (!max_key_ || *key > *max_key_) max_key_ = key;
    ranges_.add(layout_->bucket(*key), hash);
  }

  const std::string insert_;
  const std::string range_;
  const uint64_t limit_, max_packet_;
  ZstdSqlWriter& writer_;
  const std::atomic<bool>& stop_;
  std::string statement_;
  RowDigest digest_;
  uint64_t sql_bytes_ = 0;
  std::optional<RangeLayout> layout_;
  size_t key_position_ = 0;
  bool bad_key_ = false;
  std::optional<Int128> min_key_, max_key_;
  RangeSums ranges_;
};

void Dumper::dump_rows(Session& session, const WorkItem& item) {
  const TableInfo& table = catalogue_.tables[item.table];
  ZstdSqlWriter writer(dir_ / data_file_name(table.name, item.chunk), options_.zstd_level);
  writer.append(data_header(table.type == "SYSTEM VERSIONED"));
  InsertWriter inserts(fmt::format("INSERT INTO {} {} VALUES ", quote_identifier(table.name), insert_columns(table)),
                       item.where, statement_limit_, max_packet_, writer, failed_);
  if (layouts_[item.table]) inserts.record_ranges(*layouts_[item.table], dumped_position(table, table.integer_key));
  stream_rows(session, table, item.where, inserts);
  inserts.flush();
  const RowDigest& digest = inserts.digest();
  const uint64_t sql_bytes = inserts.sql_bytes();
  writer.append(kEndData);
  writer.finish(&sync_);
  add_file(writer, "data", table.name);
  // A table whose files do not all have their row ranges has none (it is repaired the old way or reloaded).
  if (std::string ranges = inserts.ranges_file(table.integer_key); !ranges.empty())
    write_ddl_file(ranges_file_name(writer.path().filename().string()), kRowRangesKind, table.name, ranges);
  uint64_t tables_done = 0;
  {
    std::lock_guard lock(mutex_);
    digests_[item.table].merge(digest);
    manifest_.tables[item.table].rows += digest.rows();
    manifest_.tables[item.table].data_bytes += sql_bytes;
    tables_done = --chunks_left_[item.table] == 0 ? 1 : 0;
  }
  // Between files: the one just finished is complete, the dump has no manifest yet.
  progress_.advance(tables_done, sql_bytes);
}

void Dumper::work(Session& session, const std::vector<WorkItem>& items) {
  for (;;) {
    size_t index = next_item_.fetch_add(1);
    if (index >= items.size() || failed_.load()) return;
    const WorkItem& item = items[index];
    with_context(fmt::format("dumping table `{}`.`{}`", database_, catalogue_.tables[item.table].name),
                 [&] { dump_rows(session, item); });
  }
}

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

DumpConsistency Dumper::prepare() {
  std::error_code ec;
  if (fs::exists(dir_) && !fs::is_empty(dir_, ec)) fail("{} is not empty", dir_.string());
  fs::create_directories(dir_);
  fs::permissions(dir_, fs::perms::owner_all, ec);  // dumps hold personal data

  catalogue_session_ = std::make_unique<Session>(login_, database_);
  manifest_.database = database_;
  manifest_.created_utc = utc_now();
  read_server_facts(*catalogue_session_);
  return read_privileges(*catalogue_session_, database_).dump_method == ConsistencyMethod::BackupStage
             ? DumpConsistency::BackupStage
             : DumpConsistency::LockTables;
}

void Dumper::check_privileges(DumpConsistency method) { check_dump_privileges(*catalogue_session_, database_, method); }

void Dumper::read_definitions() {
  catalogue_ = read_catalogue(*catalogue_session_, database_);
  if (!options_.binary_protocol)
    for (auto& table : catalogue_.tables) table.binary_rows = false;
}

// The tables' and programs' definition files, the view stand-ins and the views.
void Dumper::write_definition_files() {
  for (size_t t = 0; t < catalogue_.tables.size(); ++t) {
    const TableInfo& table = catalogue_.tables[t];
    if (!reused_[t]) write_ddl_file(table_file_name(table.name), "table", table.name, table_file(table));
  }
  std::string triggers_table;
  std::string triggers;
  auto flush_triggers = [&] {
    if (!triggers.empty()) write_ddl_file(triggers_file_name(triggers_table), "triggers", triggers_table, triggers);
    triggers.clear();
  };
  for (const auto& program : catalogue_.programs) {
    manifest_.programs.push_back(
        ProgramEntry{program.kind, program.name, program.table, program.create_statement, program.definer});
    if (program.kind == "function" || program.kind == "procedure") {
      write_ddl_file(routine_file_name(program.kind, program.name), program.kind, program.name, program_file(program));
    } else if (program.kind == "trigger") {
      if (program.table != triggers_table) flush_triggers();
      triggers_table = program.table;
      triggers += program_file(program);
    } else {
      write_ddl_file(event_file_name(program.name), "event", program.name, program_file(program));
    }
  }
  flush_triggers();
  if (!catalogue_.views.empty())
    write_ddl_file(view_standins_file_name(), "view-standins", "", view_standins_file(catalogue_.views));
  for (size_t i = 0; i < catalogue_.views.size(); ++i) {
    const ViewInfo& view = catalogue_.views[i];
    manifest_.programs.push_back(ProgramEntry{"view", view.name, "", view.create_statement, view.definer});
    write_ddl_file(view_file_name(i + 1, view.name), "view", view.name, view_file(view));
  }
}

// The manifest's head and the work: the tables a delta dump takes from its
// base as they are, the rest in key ranges, largest first.
std::vector<WorkItem> Dumper::begin_manifest(const ConsistentPoint& point,
                                             std::vector<std::unique_ptr<Session>>& workers) {
  Session& catalogue_session = *catalogue_session_;
  manifest_.snapshot_epoch = point.snapshot_epoch;
  manifest_.consistency = point.description;
  for (const auto& table : catalogue_.tables)
    manifest_.tables.push_back(TableEntry{table.name, table.type, table.create_statement, 0, 0, {}});
  digests_.resize(catalogue_.tables.size());
  manifest_.checksum_method = options_.checksums ? kRowDigestMethod : "none";
  reused_.assign(catalogue_.tables.size(), false);
  if (!options_.base.empty())
    reused_ = reuse_unchanged_tables(catalogue_session, workers, catalogue_, options_, dir_, manifest_);
  std::vector<WorkItem> items = plan_work(catalogue_session);
  chunks_left_.assign(catalogue_.tables.size(), 0);
  for (const WorkItem& item : items) ++chunks_left_[item.table];
  return items;
}

// The checksums, then every file synced and named in the directory before the
// manifest that makes them a usable dump.
void Dumper::commit_manifest() {
  if (options_.checksums)
    for (size_t t = 0; t < manifest_.tables.size(); ++t)
      if (!reused_[t]) manifest_.tables[t].checksum = digests_[t].text();

  std::sort(manifest_.files.begin(), manifest_.files.end(),
            [](const DumpFile& a, const DumpFile& b) { return a.name < b.name; });
  manifest_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  sync_.wait();
  fsync_path(dir_);
  write_file_durably(dir_ / kManifestName, manifest_.to_json(), 0600);
}

DumpManifest Dumper::dump(const ConsistentPoint& point, std::vector<std::unique_ptr<Session>>& workers) {
  started_ = std::chrono::steady_clock::now();  // the dumps of one point run one after another
  std::vector<WorkItem> items = begin_manifest(point, workers);
  ScopeGuard end_progress([this] { progress_.end(); });
  progress_.begin(fmt::format("dumping {}", database_), catalogue_.tables.size(), "tables");
  progress_.advance(static_cast<uint64_t>(std::count(reused_.begin(), reused_.end(), true)),
                    0);  // delta: taken as they are

  // The rows on the workers, each on its own connection, and meanwhile the DDL
  // files: one thread each.  A failure anywhere stops the rest (failed_).
  const size_t jobs = workers.size() + 1;
  parallel_for(
      jobs, static_cast<unsigned>(jobs),
      [&](size_t job) {
        if (job < workers.size()) {
          work(*workers[job], items);
        } else {
          write_definition_files();
        }
      },
      1, &failed_);

  for (auto& worker : workers) worker->execute("COMMIT");
  commit_manifest();
  return manifest_;
}

// The server's refusals when a table's definition changed after the point
// (no DDL block): "Table definition has changed, please retry transaction",
// an unknown column, a vanished table.
bool changed_during_dump(const Error& error) {
  std::string_view text = error.what();
  for (const char* code : {"(MySQL error 1412)", "(MySQL error 1054)", "(MySQL error 1146)"})
    if (text.find(code) != std::string_view::npos) return true;
  return false;
}

std::vector<DumpManifest> dump_once(const std::vector<DumpTarget>& targets, const DumpOptions& options,
                                    DumpConsistency& method, int restarts) {
  std::vector<std::unique_ptr<Dumper>> dumpers;
  std::vector<PointTarget> point_targets;
  bool backup_stage_for_all = true;
  for (const auto& target : targets) {
    dumpers.push_back(std::make_unique<Dumper>(target, options));
    with_context(fmt::format("dumping database `{}` into {}", target.database, target.dir.string()), [&] {
      backup_stage_for_all = dumpers.back()->prepare() == DumpConsistency::BackupStage && backup_stage_for_all;
    });
    point_targets.push_back({target.login, target.database});
  }
  method = options.consistency;
  if (method == DumpConsistency::Automatic)
    method = backup_stage_for_all ? DumpConsistency::BackupStage : DumpConsistency::LockTables;
  if (method == DumpConsistency::None && (options.jobs > 1 || targets.size() > 1))
    fail("a dump without a lock has one job and one database");
  for (size_t i = 0; i < targets.size(); ++i)
    with_context(fmt::format("dumping database `{}` into {}", targets[i].database, targets[i].dir.string()),
                 [&] { dumpers[i]->check_privileges(method); });
  ConsistentPoint point = take_consistent_point(point_targets, options, method, dumpers[0]->mariadb(), [&] {
    for (size_t i = 0; i < targets.size(); ++i)
      with_context(fmt::format("reading the definitions of database `{}`", targets[i].database),
                   [&] { dumpers[i]->read_definitions(); });
  });
  if (restarts > 0)
    point.description +=
        fmt::format("; started again {} time(s): a DDL statement changed a table during the dump", restarts);
  std::vector<DumpManifest> manifests;
  for (size_t i = 0; i < targets.size(); ++i)
    manifests.push_back(
        with_context(fmt::format("dumping database `{}` into {}", targets[i].database, targets[i].dir.string()),
                     [&] { return dumpers[i]->dump(point, point.workers[i]); }));
  point.release();
  return manifests;
}

}  // namespace

std::vector<DumpManifest> dump_databases(const std::vector<DumpTarget>& targets, const DumpOptions& options) {
  if (targets.empty()) return {};
  for (int attempt = 0;; ++attempt) {
    DumpConsistency method = options.consistency;
    try {
      return dump_once(targets, options, method, attempt);
    } catch (const Error& e) {
      if (method == DumpConsistency::BackupStage || !changed_during_dump(e) || attempt >= options.ddl_restarts) throw;
      // A DDL statement changed a table after the point: start again from a new one.
      for (const auto& target : targets) {
        std::error_code ignored;
        fs::remove_all(target.dir, ignored);
      }
    }
  }
}

DumpManifest dump_database(const DatabaseLogin& login, const std::string& database, const fs::path& dir,
                           const DumpOptions& options) {
  return dump_databases({DumpTarget{login, database, dir, options.base}}, options).front();
}

}  // namespace civiup::snapshot::db
