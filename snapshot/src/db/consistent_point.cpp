#include "consistent_point.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "civiup/base/error.hpp"

namespace civiup::snapshot::db {
namespace {

using Clock = std::chrono::steady_clock;

std::string server_key(const DatabaseLogin& login) {
  return login.socket.empty() ? fmt::format("{}:{}", login.host, login.port) : login.socket;
}

// One lock session per distinct account (LOCK TABLES covers only what its own
// user may read): the targets' databases it locks.
struct TableLock {
  std::unique_ptr<Session> session;
  std::vector<std::string> databases;
  std::vector<std::string> tables;  // "`db`.`t`", sorted
};

std::vector<std::string> base_tables(Session& session, const std::vector<std::string>& databases) {
  std::string list;
  for (const auto& database : databases) list += (list.empty() ? "" : ",") + quote_string(database);
  std::vector<std::string> tables;
  // Views are left out: locking one locks its base tables, which are locked
  // anyway, and fails when the view is invalid or its definer lacks a grant.
  for (const auto& row :
       session.query("SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA IN (" + list +
                     ") AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED') ORDER BY TABLE_SCHEMA, TABLE_NAME"))
    tables.push_back(quote_identifier(row[0].value_or("")) + "." + quote_identifier(row[1].value_or("")));
  return tables;
}

std::string lock_statement(const std::vector<std::string>& tables) {
  std::string statement = "LOCK TABLES ";
  for (size_t i = 0; i < tables.size(); ++i) statement += (i ? ", " : "") + tables[i] + " READ";
  return statement;
}

void unlock_all(std::vector<TableLock>& locks) {
  for (auto& lock : locks) {
    try {
      lock.session->execute("UNLOCK TABLES");
    } catch (const Error&) {
      // The session is closed below, which releases its locks anyway.
    }
  }
}

// Takes every lock; false (all released) when a table appeared or vanished
// between listing and locking.  A lock wait over lock_wait_seconds throws.
bool lock_tables(std::vector<TableLock>& locks) {
  for (size_t i = 0; i < locks.size(); ++i) {
    TableLock& lock = locks[i];
    lock.tables = base_tables(*lock.session, lock.databases);
    if (lock.tables.empty()) continue;
    try {
      lock.session->execute(lock_statement(lock.tables));
    } catch (const Error&) {
      unlock_all(locks);
      throw;
    }
    // information_schema is readable under LOCK TABLES: a table created
    // between the listing and the lock would not be covered.
    if (base_tables(*lock.session, lock.databases) != lock.tables) {
      unlock_all(locks);
      return false;
    }
  }
  return true;
}

std::vector<TableLock> lock_sessions(const std::vector<PointTarget>& targets, const DumpOptions& options) {
  std::vector<TableLock> locks;
  std::map<std::string, size_t> by_account;
  for (const auto& target : targets) {
    std::string key = server_key(target.login) + "/" + target.login.user;
    auto [it, added] = by_account.emplace(key, locks.size());
    if (added) {
      locks.push_back({std::make_unique<Session>(target.login, target.database), {}, {}});
      locks.back().session->execute(fmt::format("SET SESSION lock_wait_timeout = {}", options.lock_wait_seconds));
    }
    locks[it->second].databases.push_back(target.database);
  }
  return locks;
}

// LOCK TABLES ... READ of every base table, tried `lock_attempts` times: a
// long transaction of the site holding a table makes the attempt wait (and the
// site's writes queue behind it) for lock_wait_seconds at most.
std::vector<TableLock> take_table_locks(const std::vector<PointTarget>& targets, const DumpOptions& options) {
  std::vector<TableLock> locks = lock_sessions(targets, options);
  for (int attempt = 1;; ++attempt) {
    try {
      if (lock_tables(locks)) return locks;
      if (attempt >= options.lock_attempts) fail("the tables kept changing while they were being locked");
    } catch (const Error& e) {
      if (attempt >= options.lock_attempts)
        fail(
            "LOCK TABLES … READ of the tables did not succeed in {} attempt(s) of {} s each (a long transaction or "
            "DDL of another session holds a table; see SHOW PROCESSLIST): {}",
            attempt, options.lock_wait_seconds, e.what());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));
  }
}

void open_snapshot(Session& worker) {
  worker.execute("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
  worker.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT");
}

void block_ddl(ConsistentPoint& point, const std::vector<PointTarget>& targets) {
  std::map<std::string, bool> guarded;
  for (const auto& target : targets) {
    if (guarded[server_key(target.login)]) continue;
    guarded[server_key(target.login)] = true;
    auto& guard = point.ddl_guards.emplace_back(std::make_unique<Session>(target.login, target.database));
    if (point.mariadb) {
      with_context("blocking DDL with BACKUP STAGE (needs the RELOAD privilege)", [&] {
        guard->execute("BACKUP STAGE START");
        guard->execute("BACKUP STAGE BLOCK_DDL");
      });
    } else {
      with_context("blocking DDL with LOCK INSTANCE FOR BACKUP (needs the BACKUP_ADMIN privilege)",
                   [&] { guard->execute("LOCK INSTANCE FOR BACKUP"); });
    }
  }
}

size_t worker_count(const ConsistentPoint& point) {
  size_t count = 0;
  for (const auto& workers : point.workers) count += workers.size();
  return count;
}

void read_epoch(ConsistentPoint& point) {
  // Read before the snapshots open: a commit after the point then has an
  // UPDATE_TIME at or after it (delta dumps and selective restores rely on that).
  point.snapshot_epoch = std::stoll(point.workers[0][0]->query_value("SELECT UNIX_TIMESTAMP()").value_or("0"));
}

void open_snapshots(ConsistentPoint& point) {
  read_epoch(point);
  for (auto& workers : point.workers)
    for (auto& worker : workers) open_snapshot(*worker);
}

// mydumper's method: DDL blocked for the whole dump, commits blocked a moment
// (FLUSH TABLES WITH READ LOCK, server-wide) while every worker opens its snapshot.
void backup_stage_point(ConsistentPoint& point, const std::vector<PointTarget>& targets) {
  block_ddl(point, targets);
  std::vector<std::unique_ptr<Session>> flush_locks;
  if (worker_count(point) > 1) {
    std::map<std::string, bool> locked;
    for (const auto& target : targets) {
      if (locked[server_key(target.login)]) continue;
      locked[server_key(target.login)] = true;
      auto& lock = flush_locks.emplace_back(std::make_unique<Session>(target.login, target.database));
      with_context("FLUSH TABLES WITH READ LOCK (needs the RELOAD privilege)",
                   [&] { lock->execute("FLUSH TABLES WITH READ LOCK"); });
    }
  }
  auto locked_at = Clock::now();
  open_snapshots(point);
  for (auto& lock : flush_locks) lock->execute("UNLOCK TABLES");
  if (!flush_locks.empty()) point.locked_seconds = std::chrono::duration<double>(Clock::now() - locked_at).count();
}

}  // namespace

void ConsistentPoint::release() {
  for (auto& guard : ddl_guards) guard->execute(mariadb ? "BACKUP STAGE END" : "UNLOCK INSTANCE");
  ddl_guards.clear();
}

ConsistentPoint take_consistent_point(const std::vector<PointTarget>& targets, const DumpOptions& options,
                                      DumpConsistency method, bool mariadb,
                                      const std::function<void()>& while_ddl_blocked) {
  ConsistentPoint point;
  point.method = method;
  point.mariadb = mariadb;
  for (const auto& target : targets) {
    auto& workers = point.workers.emplace_back();
    for (int i = 0; i < std::max(1, options.jobs); ++i)
      workers.push_back(std::make_unique<Session>(target.login, target.database));
  }
  const size_t workers = worker_count(point);
  if (method == DumpConsistency::BackupStage) {
    backup_stage_point(point, targets);
    while_ddl_blocked();
  } else if (method == DumpConsistency::LockTables) {
    // The definitions are read under the same lock, so they are those of the
    // point; DDL after the UNLOCK is caught (see database_dump.cpp).
    std::vector<TableLock> locks =
        with_context("locking the tables for the consistent point (LOCK TABLES needs the LOCK TABLES privilege)",
                     [&] { return take_table_locks(targets, options); });
    auto locked_at = Clock::now();
    try {
      open_snapshots(point);
      while_ddl_blocked();
    } catch (...) {
      unlock_all(locks);
      throw;
    }
    unlock_all(locks);
    point.locked_seconds = std::chrono::duration<double>(Clock::now() - locked_at).count();
  } else {
    open_snapshots(point);
    while_ddl_blocked();
  }
  std::string databases;
  for (const auto& target : targets) databases += (databases.empty() ? "`" : ", `") + target.database + "`";
  point.description = fmt::format(
      "{}{} worker(s) in REPEATABLE READ, START TRANSACTION WITH CONSISTENT SNAPSHOT{}{}",
      method == DumpConsistency::BackupStage
          ? (mariadb ? "BACKUP STAGE BLOCK_DDL for the duration; " : "LOCK INSTANCE FOR BACKUP for the duration; ")
          : "",
      workers,
      method == DumpConsistency::BackupStage && workers > 1 ? " opened under FLUSH TABLES WITH READ LOCK"
      : method == DumpConsistency::LockTables
          ? fmt::format(" opened under LOCK TABLES ... READ of every base table ({:.3f} s), definitions read "
                        "under it, DDL not blocked afterwards",
                        point.locked_seconds)
          : "",
      targets.size() > 1 ? fmt::format("; one point for databases {}", databases) : "");
  return point;
}

}  // namespace civiup::snapshot::db
