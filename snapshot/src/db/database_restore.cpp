// Full and selective restore: drop what is replaced, load files in parallel over
// several connections, recreate programs, verify checksums against the manifest.
#include "civiup/snapshot/db/database_restore.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "catalogue.hpp"
#include "civiup/snapshot/error.hpp"
#include "privileges.hpp"
#include "session.hpp"
#include "sql_script.hpp"
#include "zstd_sql_file.hpp"

namespace civiup::snapshot::db {
namespace fs = std::filesystem;
namespace {

using Task = std::function<void(Session&)>;

// Runs `tasks` over `jobs` connections of their own; the first error stops the rest.
void run_parallel(const DatabaseLogin& login, const std::string& database, int jobs, const std::vector<Task>& tasks) {
  if (tasks.empty()) return;
  size_t count = std::min<size_t>(static_cast<size_t>(std::max(1, jobs)), tasks.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex mutex;
  std::vector<std::thread> threads;
  for (size_t t = 0; t < count; ++t) {
    threads.emplace_back([&] {
      try {
        Session session(login, database);
        for (;;) {
          size_t index = next.fetch_add(1);
          if (index >= tasks.size() || failed.load()) return;
          tasks[index](session);
        }
      } catch (...) {
        std::lock_guard lock(mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

// Data files hold one statement per line (values never contain a raw newline).
void load_data_file(Session& session, const fs::path& path) {
  std::string pending;
  auto run_line = [&](std::string_view line) {
    if (line.empty() || line.rfind("--", 0) == 0) return;
    if (line.back() == ';') line.remove_suffix(1);
    session.execute(std::string(line));
  };
  read_zstd_file(path, [&](std::string_view block) {
    size_t start = 0;
    for (;;) {
      size_t end = block.find('\n', start);
      if (end == std::string_view::npos) break;
      if (pending.empty()) {
        run_line(block.substr(start, end - start));
      } else {
        pending.append(block.substr(start, end - start));
        run_line(pending);
        pending.clear();
      }
      start = end + 1;
    }
    pending.append(block.substr(start));
  });
  run_line(pending);
}

void load_file(Session& session, const fs::path& dir, const DumpFile& file) {
  std::string what = file.kind == "view-standins" ? "view stand-ins" : fmt::format("{} `{}`", file.kind, file.object);
  if (file.kind == "data") what = fmt::format("table `{}`", file.object);
  with_context(fmt::format("restoring {} from {}", what, file.name), [&] {
    if (file.kind == "data") {
      load_data_file(session, dir / file.name);
      return;
    }
    for (const auto& statement : split_sql_script(read_zstd_file(dir / file.name))) session.execute(statement);
  });
}

class Restorer {
 public:
  Restorer(const DatabaseLogin& login, std::string database, fs::path dir, const RestoreOptions& options)
      : login_(login), database_(std::move(database)), dir_(std::move(dir)), options_(options) {}

  RestoreReport run(bool selective);

 private:
  void prepare();
  std::set<std::string> choose_tables(bool selective);
  std::map<std::string, std::string> checksums(const std::vector<std::string>& tables);
  void drop(const std::string& kind, const std::string& name);
  void load(const std::set<std::string>& tables);
  void verify(const std::set<std::string>& tables);

  DatabaseLogin login_;
  std::string database_;
  fs::path dir_;
  RestoreOptions options_;
  DumpManifest manifest_;
  std::unique_ptr<Session> session_;
  std::vector<LiveObject> live_;
  RestoreReport report_;
};

void Restorer::prepare() {
  manifest_ = load_manifest(dir_);
  {
    Session server(login_, "");
    if (server.query("SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " + quote_string(database_))
            .empty()) {
      server.execute(fmt::format("CREATE DATABASE {} CHARACTER SET {} COLLATE {}", quote_identifier(database_),
                                 manifest_.default_charset, manifest_.default_collation));
      report_.created_database = true;
    }
  }
  session_ = std::make_unique<Session>(login_, database_);
  // Checks that fail before anything is dropped.
  std::vector<std::string> definers;
  for (const auto& program : manifest_.programs) definers.push_back(program.definer);
  check_restore_privileges(*session_, database_, definers);
  uint64_t packet = session_->max_allowed_packet();
  for (const auto& file : manifest_.files)
    if (file.largest_statement + 1024 > packet)
      fail("{} `{}`: the dump has a statement of {} bytes ({}) but the server's max_allowed_packet is {}",
           file.kind == "data" ? "table" : file.kind, file.object, file.largest_statement, file.name, packet);
  session_->execute("SET SESSION FOREIGN_KEY_CHECKS = 0");
  live_ = list_live_objects(*session_, database_);
}

std::map<std::string, std::string> Restorer::checksums(const std::vector<std::string>& tables) {
  std::map<std::string, std::string> result;
  std::mutex mutex;
  std::vector<Task> tasks;
  for (const auto& table : tables) {
    tasks.push_back([&, table](Session& session) {
      auto rows = with_context(fmt::format("checksumming table `{}`.`{}`", database_, table),
                               [&] { return session.query("CHECKSUM TABLE " + quote_identifier(table)); });
      std::lock_guard lock(mutex);
      result[table] = rows.empty() || rows[0].size() < 2 ? "NULL" : rows[0][1].value_or("NULL");
    });
  }
  run_parallel(login_, database_, options_.jobs, tasks);
  report_.checksummed_tables.insert(report_.checksummed_tables.end(), tables.begin(), tables.end());
  return result;
}

std::set<std::string> Restorer::choose_tables(bool selective) {
  std::set<std::string> chosen;
  if (!selective) {
    for (const auto& table : manifest_.tables) chosen.insert(table.name);
    return chosen;
  }
  // The same server, not restarted since the dump: InnoDB's in-memory
  // UPDATE_TIME then tells a table untouched since the consistent point.
  bool same_server = false;
  auto facts = session_->query(
      "SELECT @@datadir, UNIX_TIMESTAMP() - (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS "
      "WHERE VARIABLE_NAME = 'UPTIME')");
  if (!facts.empty() && facts[0][0] == manifest_.server_datadir)
    same_server = std::llabs(static_cast<int64_t>(std::stod(facts[0][1].value_or("0"))) -
                             manifest_.server_started_epoch) <= 2;
  std::vector<std::string> to_checksum;
  for (const auto& table : manifest_.tables) {
    auto live = std::find_if(live_.begin(), live_.end(),
                             [&](const LiveObject& o) { return o.name == table.name && o.kind == "table"; });
    if (live == live_.end() || show_create_table(*session_, table.name) != table.create_statement) {
      chosen.insert(table.name);
    } else if (options_.trust_update_time && same_server && live->update_epoch >= 0 &&
               live->update_epoch < manifest_.snapshot_epoch) {
      report_.unchanged_tables.push_back(table.name);
    } else {
      to_checksum.push_back(table.name);
    }
  }
  auto live_sums = checksums(to_checksum);
  for (const auto& name : to_checksum) {
    const TableEntry* table = manifest_.find_table(name);
    if (!table->checksum || live_sums[name] != *table->checksum)
      chosen.insert(name);
    else
      report_.unchanged_tables.push_back(name);
  }
  return chosen;
}

void Restorer::drop(const std::string& kind, const std::string& name) {
  std::string keyword = kind;
  std::transform(keyword.begin(), keyword.end(), keyword.begin(), ::toupper);
  with_context(fmt::format("dropping {} `{}`", kind, name),
               [&] { session_->execute(fmt::format("DROP {} IF EXISTS {}", keyword, quote_identifier(name))); });
  report_.dropped_objects.push_back(kind + " " + name);
}

void Restorer::load(const std::set<std::string>& tables) {
  std::vector<const DumpFile*> table_files, data_files, program_files;
  for (const auto& file : manifest_.files) {
    if (file.kind == "table" && tables.count(file.object) != 0) table_files.push_back(&file);
    else if (file.kind == "data" && tables.count(file.object) != 0) data_files.push_back(&file);
    else if (file.kind != "table" && file.kind != "data") program_files.push_back(&file);
  }
  // Biggest first, so the last file to finish is a small one.
  std::stable_sort(data_files.begin(), data_files.end(),
                   [](const DumpFile* a, const DumpFile* b) { return a->sql_bytes > b->sql_bytes; });
  for (const auto* files : {&table_files, &data_files}) {
    std::vector<Task> tasks;
    for (const DumpFile* file : *files) {
      tasks.push_back([this, file](Session& session) { load_file(session, dir_, *file); });
      report_.sql_bytes += file->sql_bytes;
    }
    run_parallel(login_, database_, options_.jobs, tasks);
  }
  // Routines, view stand-ins, views in dependency order, triggers, events: file-name order.
  for (const DumpFile* file : program_files) {
    load_file(*session_, dir_, *file);
    report_.sql_bytes += file->sql_bytes;
  }
  report_.restored_tables.assign(tables.begin(), tables.end());
}

void Restorer::verify(const std::set<std::string>& tables) {
  if (!options_.verify) return;
  auto sums = checksums(std::vector<std::string>(tables.begin(), tables.end()));
  std::string mismatches;
  for (const auto& name : tables) {
    const TableEntry* table = manifest_.find_table(name);
    if (table->checksum && sums[name] != *table->checksum)
      mismatches += fmt::format("{}table `{}` (dump {}, restored {})", mismatches.empty() ? "" : "; ", name,
                                *table->checksum, sums[name]);
  }
  if (!mismatches.empty()) fail("checksum mismatch after restore: {}", mismatches);
}

RestoreReport Restorer::run(bool selective) {
  auto started = std::chrono::steady_clock::now();
  prepare();
  std::set<std::string> tables = choose_tables(selective);

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
  for (const auto& object : live_) {
    if (object.kind != "table") continue;
    bool in_dump = manifest_.find_table(object.name) != nullptr;
    if (tables.count(object.name) != 0 || (selective && !in_dump) || dumped_programs.count("view " + object.name) != 0)
      drop("table", object.name);
  }
  load(tables);
  verify(tables);
  report_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report_;
}

}  // namespace

RestoreReport restore_database(const DatabaseLogin& login, const std::string& database, const fs::path& dir,
                               const RestoreOptions& options) {
  return with_context(fmt::format("restoring database `{}` from {}", database, dir.string()),
                      [&] { return Restorer(login, database, dir, options).run(false); });
}

RestoreReport restore_changed(const DatabaseLogin& login, const std::string& database, const fs::path& dir,
                              const RestoreOptions& options) {
  return with_context(fmt::format("selectively restoring database `{}` from {}", database, dir.string()),
                      [&] { return Restorer(login, database, dir, options).run(true); });
}

}  // namespace civiup::snapshot::db
