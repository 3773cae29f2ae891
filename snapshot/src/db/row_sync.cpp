#include "row_sync.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

#include "civiup/base/error.hpp"
#include "dump_loading.hpp"
#include "sql_files.hpp"
#include "sql_script.hpp"
#include "table_rows.hpp"
#include "zstd_sql_file.hpp"

namespace civiup::snapshot::db {
namespace fs = std::filesystem;
namespace {

// The index of the next ',' or ')' at or after `from` that is not inside a
// quoted value (values are NULL, numbers, 0x hex and quoted text with
// backslash escapes), or npos.
size_t next_separator(std::string_view values, size_t from) {
  bool quoted = false;
  for (size_t i = from; i < values.size(); ++i) {
    const char c = values[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '\'') quoted = false;
    } else if (c == '\'') {
      quoted = true;
    } else if (c == ',' || c == ')') {
      return i;
    }
  }
  return std::string_view::npos;
}

// The index of the ')' that closes the tuple opening at `start`, or npos.
size_t tuple_end(std::string_view values, size_t start) {
  size_t at = start;
  do at = next_separator(values, at + 1);
  while (at != std::string_view::npos && values[at] != ')');
  return at;
}

// Value `index` of the tuple "(a,'b',c)", as written.
std::string_view tuple_field(std::string_view tuple, size_t index) {
  size_t start = 1;
  for (size_t field = 0;; ++field) {
    const size_t end = next_separator(tuple, start);
    if (end == std::string_view::npos) return {};
    if (field == index) return tuple.substr(start, end - start);
    if (tuple[end] == ')') return {};
    start = end + 1;
  }
}

// Calls `on_tuple` with each row tuple of the INSERTs of data file `file`,
// whose INSERTs must all begin with `prefix` ("INSERT INTO `t` (...) VALUES ").
void for_each_dumped_tuple(const fs::path& dir, const DumpFile& file, const std::string& prefix,
                           const std::function<void(std::string_view)>& on_tuple) {
  read_zstd_lines(dir / file.name, [&](std::string_view line) {
    if (!line.starts_with("INSERT")) return;  // the header's SETs, START TRANSACTION, COMMIT
    if (!line.starts_with(prefix)) fail("{}: an INSERT with another table or column list than the live table's", file.name);
    std::string_view values = line.substr(prefix.size());
    size_t at = 0;
    while (at < values.size() && values[at] == '(') {
      size_t end = tuple_end(values, at);
      if (end == std::string_view::npos) break;
      on_tuple(values.substr(at, end - at + 1));
      at = end + 1;
      if (at < values.size() && values[at] == ',') ++at;
    }
    if (values.substr(at) != ";") fail("{}: an INSERT that does not end as the dump writes them", file.name);
  });
}

// Sends statements of `head` + items joined by `separator` (+ `tail`), each under `limit` bytes.
class Batcher {
 public:
  Batcher(Session& session, std::string head, std::string separator, std::string tail, size_t limit)
      : session_(session), head_(std::move(head)), separator_(std::move(separator)), tail_(std::move(tail)),
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

  // The dump's row hashes, sorted.
  std::vector<std::vector<uint64_t>> per_file(files.size());
  for_each_parallel(jobs, files.size(), [&](size_t i) {
    for_each_dumped_tuple(dir, *files[i], prefix, [&](std::string_view tuple) { per_file[i].push_back(RowDigest::hash(tuple)); });
  });
  std::vector<uint64_t> hashes;
  hashes.reserve(dumped->rows);
  for (auto& part : per_file) {
    hashes.insert(hashes.end(), part.begin(), part.end());
    std::vector<uint64_t>().swap(part);
  }
  std::sort(hashes.begin(), hashes.end());
  if (std::adjacent_find(hashes.begin(), hashes.end()) != hashes.end()) {
    return result;
  }
  if (hashes.size() != dumped->rows) fail("the dump's files of table `{}` hold {} rows, the manifest says {}", table.name, hashes.size(), dumped->rows);

  // The live rows, in key ranges over several connections: which dumped rows
  // are live (`found`), and the keys of live rows the dump does not have.
  const uint64_t allowed = static_cast<uint64_t>(limits.max_changed_fraction * static_cast<double>(std::max<uint64_t>(dumped->rows, 1)));
  std::vector<std::atomic<uint8_t>> found(hashes.size());
  std::mutex mutex;
  std::vector<std::string> stale_keys;
  std::atomic<uint64_t> stale{0};
  std::vector<Task> reads;
  Session session(login, database);  // the writer, with the data files' session settings
  for (const auto& statement : split_sql_script(data_header(false)))
    if (statement.starts_with("SET ")) session.execute(statement);
  // No cascade from a deleted row (foreign_key_checks off: InnoDB then runs no
  // ON DELETE action), and unique keys checked, as for any insert into a table with rows.
  session.execute("SET SESSION FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 1");
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
  uint64_t missing = 0;
  for (const auto& flag : found) missing += flag.load(std::memory_order_relaxed) == 0;
  result.deleted = stale.load();
  result.inserted = missing;
  if (result.deleted == 0 && missing == 0) {
    result.outcome = RowSyncResult::same;
    return result;
  }
  if (result.deleted + missing > allowed) {
    result.outcome = RowSyncResult::too_many_changes;
    return result;
  }

  // Delete what the dump lacks, then insert what the live table lacks: after
  // the deletes no live row can collide with a dumped one on a unique key.
  const size_t limit = std::min<uint64_t>(1 << 20, session.max_allowed_packet() - 1024);
  with_context(fmt::format("bringing the rows of table `{}` back to the dump's", table.name), [&] {
    session.execute("START TRANSACTION");
    try {
      Batcher deletes(session,
                      fmt::format("DELETE FROM {} WHERE {} IN (", quote_identifier(table.name),
                                  quote_identifier(table.integer_key)),
                      ",", ")", limit);
      for (const auto& key : stale_keys) deletes.add(key);
      deletes.flush();
      Batcher inserts(session, prefix, ",", "", limit);
      uint64_t inserted = 0;
      for (const DumpFile* file : files)
        for_each_dumped_tuple(dir, *file, prefix, [&](std::string_view tuple) {
          auto it = std::lower_bound(hashes.begin(), hashes.end(), RowDigest::hash(tuple));
          if (found[static_cast<size_t>(it - hashes.begin())].load(std::memory_order_relaxed) != 0) return;
          inserts.add(tuple);
          ++inserted;
        });
      inserts.flush();
      if (inserted != missing) fail("{} rows to insert on the second reading of the dump, {} on the first", inserted, missing);
      session.execute("COMMIT");
    } catch (...) {
      try {
        session.execute("ROLLBACK");
      } catch (const Error&) {
        // the first error says what went wrong
      }
      throw;
    }
  });
  result.outcome = RowSyncResult::synced;
  return result;
}

}  // namespace civiup::snapshot::db
