#include "row_sync.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "civiup/base/error.hpp"
#include "dump_loading.hpp"
#include "dump_tuples.hpp"
#include "sql_files.hpp"
#include "sql_script.hpp"
#include "table_rows.hpp"
#include "zstd_sql_file.hpp"

namespace civiup::snapshot::db {
namespace fs = std::filesystem;
namespace {

// Runs `body` in one transaction on `session`: COMMIT after it; when it
// throws, ROLLBACK (the table is then as it was) and the body's error.
template <typename Body>
void in_transaction(Session& session, Body&& body) {
  session.execute("START TRANSACTION");
  try {
    body();
    session.execute("COMMIT");
  } catch (...) {
    try {
      session.execute("ROLLBACK");
    } catch (const Error&) {
      // the first error says what went wrong
    }
    throw;
  }
}

// Sends statements of `head` + items joined by `separator` (+ `tail`), each under `limit` bytes.
class Batcher {
 public:
  Batcher(Session& session, std::string head, std::string separator, std::string tail, size_t limit)
      : session_(session),
        head_(std::move(head)),
        separator_(std::move(separator)),
        tail_(std::move(tail)),
        limit_(limit) {}
  void add(std::string_view item) {
    if (count_ > 0 && statement_.size() + separator_.size() + item.size() + tail_.size() > limit_) flush();
    statement_ += count_++ == 0 ? head_ : separator_;
    statement_ += item;
  }
  void flush() {
    if (count_ == 0) return;
    session_.execute(statement_ + tail_);
    statement_.clear();
    count_ = 0;
  }

 private:
  Session& session_;
  std::string head_, separator_, tail_;
  size_t limit_;
  std::string statement_;
  size_t count_ = 0;
};

struct KeyHash {
  Int128 key;
  uint64_t hash;
};

// Streamed rows handed over with their integer key and row hash.
class KeyedSink : public RowSink {
 public:
  using OnRow = std::function<void(Int128 key, uint64_t hash)>;
  KeyedSink(size_t key_position, OnRow on_row) : key_position_(key_position), on_row_(std::move(on_row)) {}
  std::string& begin_row() override {
    buffer_.clear();
    return buffer_;
  }
  void end_row(size_t) override {
    auto key = parse_key(tuple_field(buffer_, key_position_));
    if (!key) fail("a row whose key is not an integer: {}", buffer_.substr(0, 80));
    on_row_(*key, RowDigest::hash(buffer_));
  }

 private:
  size_t key_position_;
  OnRow on_row_;
  std::string buffer_;
};

// [first, last] runs of consecutive buckets.
std::vector<std::pair<int64_t, int64_t>> bucket_runs(const std::vector<int64_t>& buckets) {
  std::vector<std::pair<int64_t, int64_t>> runs;
  for (int64_t b : buckets) {
    if (!runs.empty() && runs.back().second < INT64_MAX && runs.back().second + 1 == b)
      runs.back().second = b;
    else
      runs.emplace_back(b, b);
  }
  return runs;
}

// " WHERE (`id` >= a AND `id` < b) OR ..." covering the runs, at most 200 runs a clause.
std::vector<std::string> range_clauses(const std::string& key, const RangeLayout& layout,
                                       const std::vector<std::pair<int64_t, int64_t>>& runs) {
  std::vector<std::string> clauses;
  for (size_t i = 0; i < runs.size(); i += 200) {
    std::string where;
    for (size_t r = i; r < std::min(runs.size(), i + 200); ++r)
      where += fmt::format("{}({} >= {} AND {} < {})", where.empty() ? " WHERE " : " OR ", key,
                           key_text(layout.low(runs[r].first)), key, key_text(layout.high(runs[r].second)));
    clauses.push_back(std::move(where));
  }
  return clauses;
}

RangeSum find_sum(const std::vector<RangeSum>& sums, int64_t bucket) {
  auto it =
      std::lower_bound(sums.begin(), sums.end(), bucket, [](const RangeSum& s, int64_t b) { return s.bucket < b; });
  return it != sums.end() && it->bucket == bucket ? *it : RangeSum{bucket, 0, 0};
}

void set_writer_session(Session& session) {
  for (const auto& statement : split_sql_script(data_header(false)))
    if (statement.starts_with("SET ")) session.execute(statement);
  // No cascade from a deleted row (foreign_key_checks off: InnoDB then runs no
  // ON DELETE action), and unique keys checked, as for any insert into a table with rows.
  session.execute("SET SESSION FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 1");
}

// The dump's row hashes, sorted; nullopt when two rows hash the same (the
// hashes cannot tell which of them is live).
std::optional<std::vector<uint64_t>> dumped_row_hashes(const fs::path& dir, const std::vector<const DumpFile*>& files,
                                                       const std::string& prefix, const TableEntry& dumped, int jobs) {
  std::vector<std::vector<uint64_t>> per_file(files.size());
  parallel_for(files.size(), thread_count(jobs), [&](size_t i) {
    for_each_dumped_tuple(dir, *files[i], prefix,
                          [&](std::string_view tuple) { per_file[i].push_back(RowDigest::hash(tuple)); });
  });
  std::vector<uint64_t> hashes;
  hashes.reserve(dumped.rows);
  for (auto& part : per_file) {
    hashes.insert(hashes.end(), part.begin(), part.end());
    std::vector<uint64_t>().swap(part);
  }
  std::sort(hashes.begin(), hashes.end());
  if (std::adjacent_find(hashes.begin(), hashes.end()) != hashes.end()) {
    return std::nullopt;
  }
  if (hashes.size() != dumped.rows)
    fail("the dump's files of table `{}` hold {} rows, the manifest says {}", dumped.name, hashes.size(), dumped.rows);
  return hashes;
}

// The live table against the dump's row hashes.
struct LiveRows {
  std::vector<std::atomic<uint8_t>> found;  // per dumped row (hash order): it is live
  std::vector<std::string> stale_keys;      // keys of live rows the dump lacks (the first `allowed`)
  uint64_t stale = 0;                       // how many live rows the dump lacks
};

// The live rows, in key ranges over several connections: which dumped rows
// are live (`found`), and the keys of live rows the dump does not have.
LiveRows compare_live_rows(const DatabaseLogin& login, const std::string& database, Session& session,
                           const TableInfo& table, const std::vector<uint64_t>& hashes, size_t key_position,
                           uint64_t allowed, int jobs) {
  LiveRows live{std::vector<std::atomic<uint8_t>>(hashes.size()), {}, 0};
  std::vector<std::atomic<uint8_t>>& found = live.found;
  std::mutex mutex;
  std::vector<std::string>& stale_keys = live.stale_keys;
  std::atomic<uint64_t> stale{0};
  std::vector<Task> reads;
  for (const std::string& where : key_ranges(session, table, 4 * static_cast<uint64_t>(std::max(1, jobs))))
    reads.push_back([&, where](Session& reader) {
      struct Sink : RowSink {
        std::string buffer;
        std::function<void(std::string_view)> on_row;
        std::string& begin_row() override {
          buffer.clear();
          return buffer;
        }
        void end_row(size_t) override { on_row(buffer); }
      } sink;
      std::vector<std::string> keys;
      sink.on_row = [&](std::string_view row) {
        const uint64_t hash = RowDigest::hash(row);
        auto it = std::lower_bound(hashes.begin(), hashes.end(), hash);
        if (it != hashes.end() && *it == hash) {
          found[static_cast<size_t>(it - hashes.begin())].store(1, std::memory_order_relaxed);
        } else if (stale.fetch_add(1) < allowed) {
          keys.emplace_back(tuple_field(row, key_position));
        }
      };
      stream_rows(reader, table, where, sink);
      std::lock_guard lock(mutex);
      stale_keys.insert(stale_keys.end(), std::make_move_iterator(keys.begin()), std::make_move_iterator(keys.end()));
    });
  with_context(fmt::format("comparing the rows of table `{}` with the dump", table.name),
               [&] { run_parallel(login, database, jobs, reads); });
  live.stale = stale.load();
  return live;
}

// Delete what the dump lacks, then insert what the live table lacks: after
// the deletes no live row can collide with a dumped one on a unique key.
void apply_row_changes(Session& session, const TableInfo& table, const fs::path& dir,
                       const std::vector<const DumpFile*>& files, const std::string& prefix,
                       const std::vector<uint64_t>& hashes, const LiveRows& live, uint64_t missing) {
  const size_t limit = std::min<uint64_t>(1 << 20, session.max_allowed_packet() - 1024);
  with_context(fmt::format("bringing the rows of table `{}` back to the dump's", table.name), [&] {
    in_transaction(session, [&] {
      Batcher deletes(session,
                      fmt::format("DELETE FROM {} WHERE {} IN (", quote_identifier(table.name),
                                  quote_identifier(table.integer_key)),
                      ",", ")", limit);
      for (const auto& key : live.stale_keys) deletes.add(key);
      deletes.flush();
      Batcher inserts(session, prefix, ",", "", limit);
      uint64_t inserted = 0;
      for (const DumpFile* file : files)
        for_each_dumped_tuple(dir, *file, prefix, [&](std::string_view tuple) {
          auto it = std::lower_bound(hashes.begin(), hashes.end(), RowDigest::hash(tuple));
          if (live.found[static_cast<size_t>(it - hashes.begin())].load(std::memory_order_relaxed) != 0) return;
          inserts.add(tuple);
          ++inserted;
        });
      inserts.flush();
      if (inserted != missing)
        fail("{} rows to insert on the second reading of the dump, {} on the first", inserted, missing);
    });
  });
}

}  // namespace

RowSyncResult sync_rows(const DatabaseLogin& login, const std::string& database, const fs::path& dir,
                        const DumpManifest& manifest, const TableInfo& table, int jobs, const RowSyncLimits& limits) {
  RowSyncResult result;
  const TableEntry* dumped = manifest.find_table(table.name);
  const size_t key_position = table.integer_key.empty() ? std::string::npos : dumped_position(table, table.integer_key);
  if (dumped == nullptr || !dumped->checksum || table.type != "BASE TABLE" || key_position == std::string::npos) {
    return result;
  }
  if (dumped->rows > limits.max_rows) {
    return result;
  }
  std::vector<const DumpFile*> files;
  for (const auto& file : manifest.files)
    if (file.kind == "data" && file.object == table.name) files.push_back(&file);
  const std::string prefix =
      fmt::format("INSERT INTO {} {} VALUES ", quote_identifier(table.name), insert_columns(table));

  std::optional<std::vector<uint64_t>> hashes = dumped_row_hashes(dir, files, prefix, *dumped, jobs);
  if (!hashes) return result;

  const uint64_t allowed = static_cast<uint64_t>(limits.max_changed_fraction_without_ranges *
                                                 static_cast<double>(std::max<uint64_t>(dumped->rows, 1)));
  Session session(login, database);  // the writer, with the data files' session settings
  set_writer_session(session);
  const LiveRows live = compare_live_rows(login, database, session, table, *hashes, key_position, allowed, jobs);
  uint64_t missing = 0;
  for (const auto& flag : live.found) missing += flag.load(std::memory_order_relaxed) == 0;
  result.deleted = live.stale;
  result.inserted = missing;
  if (result.deleted == 0 && missing == 0) {
    result.outcome = RowSyncResult::same;
    return result;
  }
  if (result.deleted + missing > allowed) {
    result.outcome = RowSyncResult::too_many_changes;
    return result;
  }
  apply_row_changes(session, table, dir, files, prefix, *hashes, live, missing);
  result.outcome = RowSyncResult::synced;
  return result;
}

RangeDiff diff_rows_by_ranges(const DatabaseLogin& login, const std::string& database, const fs::path& dir,
                              const DumpManifest& manifest, const TableInfo& table, const TableRanges& ranges, int jobs,
                              const RowSyncLimits& limits) {
  RangeDiff result;
  const TableEntry* dumped = manifest.find_table(table.name);
  const size_t key_position = table.integer_key.empty() ? std::string::npos : dumped_position(table, table.integer_key);
  if (dumped == nullptr || !dumped->checksum || table.type != "BASE TABLE" || key_position == std::string::npos ||
      ranges.key != table.integer_key)
    return result;
  const std::string key = quote_identifier(table.integer_key);
  const std::string prefix =
      fmt::format("INSERT INTO {} {} VALUES ", quote_identifier(table.name), insert_columns(table));
  const RangeLayout& layout = ranges.layout;
  Session session(login, database);
  // Writes committed from this second on are seen in UPDATE_TIME.
  result.started_epoch = std::stoll(session.query_value("SELECT UNIX_TIMESTAMP()").value_or("0"));

  // 1. The live table's range sums, in key order over several connections.
  RangeSums live;
  std::mutex mutex;
  std::vector<Task> reads;
  for (const std::string& where : key_ranges(session, table, 4 * static_cast<uint64_t>(std::max(1, jobs))))
    reads.push_back([&, where](Session& reader) {
      RangeSums local;
      KeyedSink sink(key_position, [&](Int128 k, uint64_t hash) { local.add(layout.bucket(k), hash); });
      stream_rows(reader, table, where + " ORDER BY " + key, sink);
      std::lock_guard lock(mutex);
      live.merge(local);
    });
  with_context(fmt::format("comparing the row ranges of table `{}` with the dump's", table.name),
               [&] { run_parallel(login, database, jobs, reads); });

  // 2. The ranges that differ.
  const std::vector<RangeSum>& live_sums = live.sorted();
  const std::vector<RangeSum>& dumped_sums = ranges.sums;
  std::vector<int64_t> differing;
  uint64_t differing_rows = 0, live_rows = 0, dumped_differing_rows = 0;
  for (size_t l = 0, d = 0; l < live_sums.size() || d < dumped_sums.size();) {
    const bool take_live =
        d == dumped_sums.size() || (l < live_sums.size() && live_sums[l].bucket <= dumped_sums[d].bucket);
    const bool take_dumped =
        l == live_sums.size() || (d < dumped_sums.size() && dumped_sums[d].bucket <= live_sums[l].bucket);
    RangeSum a = take_live ? live_sums[l++] : RangeSum{};
    RangeSum b = take_dumped ? dumped_sums[d++] : RangeSum{};
    live_rows += a.rows;
    ++result.compared_ranges;
    if (a.rows == b.rows && a.sum == b.sum) continue;
    differing.push_back(take_live ? a.bucket : b.bucket);
    differing_rows += std::max(a.rows, b.rows);
    dumped_differing_rows += b.rows;
  }
  if (differing.empty()) {
    result.outcome = RowSyncResult::same;
    return result;
  }
  const double total = static_cast<double>(std::max<uint64_t>({dumped->rows, live_rows, 1}));
  if (static_cast<double>(differing_rows) > limits.max_changed_fraction * total ||
      differing_rows > limits.max_compared_rows) {
    result.outcome = RowSyncResult::too_many_changes;
    return result;
  }

  // 3. The live rows of those ranges: key and hash.
  const auto runs = bucket_runs(differing);
  const std::vector<std::string> clauses = range_clauses(key, layout, runs);
  std::vector<KeyHash> live_rows_in;
  std::vector<Task> range_reads;
  for (const std::string& where : clauses)
    range_reads.push_back([&, where](Session& reader) {
      std::vector<KeyHash> local;
      KeyedSink sink(key_position, [&](Int128 k, uint64_t hash) { local.push_back({k, hash}); });
      stream_rows(reader, table, where, sink);
      std::lock_guard lock(mutex);
      live_rows_in.insert(live_rows_in.end(), local.begin(), local.end());
    });
  with_context(fmt::format("reading the rows of table `{}` in the {} ranges that differ", table.name, differing.size()),
               [&] { run_parallel(login, database, jobs, range_reads); });
  std::sort(live_rows_in.begin(), live_rows_in.end(), [](const KeyHash& a, const KeyHash& b) { return a.key < b.key; });

  // 4. The dumped rows of those ranges, from the data files whose keys reach them.
  std::vector<const TableRanges::File*> files;
  for (const auto& file : ranges.files) {
    if (!file.min_key || !file.max_key) continue;
    for (const auto& [first, last] : runs)
      if (*file.min_key < layout.high(last) && *file.max_key >= layout.low(first)) {
        files.push_back(&file);
        break;
      }
  }
  std::vector<std::atomic<uint8_t>> matched(live_rows_in.size());
  std::vector<std::string> missing;
  uint64_t missing_bytes = 0;
  std::atomic<uint64_t> dumped_seen{0};
  std::atomic<bool> too_big{false};
  with_context(fmt::format("reading the dumped rows of table `{}` in the ranges that differ", table.name), [&] {
    parallel_for(files.size(), thread_count(jobs), [&](size_t i) {
      for_each_dumped_tuple(dir, *files[i]->data, prefix, [&](std::string_view tuple) {
        auto k = parse_key(tuple_field(tuple, key_position));
        if (!k) fail("{}: a row whose key is not an integer", files[i]->data->name);
        if (!std::binary_search(differing.begin(), differing.end(), layout.bucket(*k))) return;
        dumped_seen.fetch_add(1, std::memory_order_relaxed);
        const uint64_t hash = RowDigest::hash(tuple);
        auto it = std::lower_bound(live_rows_in.begin(), live_rows_in.end(), *k,
                                   [](const KeyHash& row, Int128 v) { return row.key < v; });
        if (it != live_rows_in.end() && it->key == *k && it->hash == hash) {
          matched[static_cast<size_t>(it - live_rows_in.begin())].store(1, std::memory_order_relaxed);
          return;
        }
        std::lock_guard lock(mutex);
        if (missing_bytes + tuple.size() > limits.max_insert_bytes) {
          too_big = true;
          return;
        }
        missing_bytes += tuple.size();
        missing.emplace_back(tuple);
      });
    });
  });
  if (too_big) {
    result.outcome = RowSyncResult::too_many_changes;
    return result;
  }
  if (dumped_seen.load() != dumped_differing_rows)
    fail("the dump's data files of table `{}` hold {} rows in the ranges that differ, its row ranges say {}",
         table.name, dumped_seen.load(), dumped_differing_rows);
  for (size_t i = 0; i < live_rows_in.size(); ++i)
    if (matched[i].load(std::memory_order_relaxed) == 0) result.stale_keys.push_back(key_text(live_rows_in[i].key));
  result.missing_tuples = std::move(missing);
  result.differing = std::move(differing);
  result.outcome = RowSyncResult::synced;
  return result;
}

void apply_range_diff(const DatabaseLogin& login, const std::string& database, const DumpManifest& manifest,
                      const TableInfo& table, const TableRanges& ranges, const RangeDiff& diff,
                      const std::function<void()>& before_commit) {
  const TableEntry* dumped = manifest.find_table(table.name);
  const size_t key_position = dumped_position(table, table.integer_key);
  if (dumped == nullptr || !dumped->checksum || key_position == std::string::npos)
    fail("table `{}` cannot be repaired in place", table.name);
  const std::string key = quote_identifier(table.integer_key);
  const std::string prefix =
      fmt::format("INSERT INTO {} {} VALUES ", quote_identifier(table.name), insert_columns(table));
  const RangeLayout& layout = ranges.layout;
  const std::vector<RangeSum>& dumped_sums = ranges.sums;
  const std::vector<int64_t>& differing = diff.differing;
  const std::vector<std::string> clauses = range_clauses(key, layout, bucket_runs(differing));
  Session session(login, database);  // the writer, with the data files' session settings
  set_writer_session(session);
  // 5. Delete, insert, read the changed ranges back, in one transaction.
  const size_t limit = std::min<uint64_t>(1 << 20, session.max_allowed_packet() - 1024);
  with_context(fmt::format("bringing the rows of table `{}` back to the dump's", table.name), [&] {
    in_transaction(session, [&] {
      Batcher deletes(session, fmt::format("DELETE FROM {} WHERE {} IN (", quote_identifier(table.name), key), ",", ")",
                      limit);
      for (const auto& k : diff.stale_keys) deletes.add(k);
      deletes.flush();
      Batcher inserts(session, prefix, ",", "", limit);
      for (const auto& tuple : diff.missing_tuples) inserts.add(tuple);
      inserts.flush();
      RangeSums back;
      KeyedSink sink(key_position, [&](Int128 k, uint64_t hash) { back.add(layout.bucket(k), hash); });
      for (const std::string& where : clauses) stream_rows(session, table, where, sink);
      const std::vector<RangeSum>& back_sums = back.sorted();
      // The table's digest now: the dump's sums of the ranges proven equal, the ranges read back.
      uint64_t rows = 0, sum = 0;
      for (const auto& s : dumped_sums)
        if (!std::binary_search(differing.begin(), differing.end(), s.bucket)) {
          rows += s.rows;
          sum += s.sum;
        }
      for (const auto& s : back_sums) {
        rows += s.rows;
        sum += s.sum;
      }
      bool equal = true;
      for (int64_t b : differing) equal = equal && find_sum(back_sums, b) == find_sum(dumped_sums, b);
      if (!equal)
        fail("checksum mismatch after restore: table `{}` (dump {}, restored {}:{:016x})", table.name,
             *dumped->checksum, rows, sum);
      if (before_commit) before_commit();
    });
  });
}

int64_t update_epoch(Session& session, const std::string& table) {
  auto update = session.query_value(
      "SELECT UNIX_TIMESTAMP(UPDATE_TIME) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
      "TABLE_NAME = " +
      quote_string(table));
  return update ? std::stoll(*update) : -1;
}

RowSyncResult sync_rows_by_ranges(const DatabaseLogin& login, const std::string& database, const fs::path& dir,
                                  const DumpManifest& manifest, const TableInfo& table, const TableRanges& ranges,
                                  int jobs, const RowSyncLimits& limits, const std::function<void()>& before_commit) {
  RangeDiff diff = diff_rows_by_ranges(login, database, dir, manifest, table, ranges, jobs, limits);
  RowSyncResult result;
  result.outcome = diff.outcome;
  result.compared_ranges = diff.compared_ranges;
  result.differing_ranges = diff.differing.size();
  result.deleted = diff.stale_keys.size();
  result.inserted = diff.missing_tuples.size();
  if (diff.outcome == RowSyncResult::same) result.verified = true;
  if (diff.outcome != RowSyncResult::synced) return result;
  // The comparison proves every other range equal if nothing else wrote to
  // the table since it began: UPDATE_TIME (in memory, per table) in an earlier
  // second.  Otherwise the caller verifies the whole table's digest.
  Session session(login, database);
  const int64_t updated = update_epoch(session, table.name);
  result.verified = updated >= 0 && updated < diff.started_epoch;
  apply_range_diff(login, database, manifest, table, ranges, diff, before_commit);
  return result;
}

}  // namespace civiup::snapshot::db
