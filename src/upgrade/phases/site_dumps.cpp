#include "upgrade/phases/site_dumps.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/snapshot/db/database_dump.hpp"
#include "civiup/snapshot/db/database_restore.hpp"

namespace civiup::phases {
namespace fs = std::filesystem;
namespace {

void log_dump(const DatabaseDsn& dsn, const snapshot::db::DumpManifest& manifest) {
  if (manifest.base_dump.empty()) {
    spdlog::info("dumped {} ({} tables, {} bytes) in {:.1f} s", dsn.redacted(), manifest.tables.size(),
                 manifest.total_bytes(), manifest.seconds);
  } else {
    spdlog::info("dumped {} as a delta: {} of {} tables changed since {}, {:.1f} s", dsn.redacted(),
                 manifest.tables.size() - manifest.reused_tables.size(), manifest.tables.size(), manifest.base_dump,
                 manifest.seconds);
  }
}

snapshot::db::DumpTarget dump_target(const DatabaseDsn& dsn, const fs::path& dir, const fs::path& base) {
  std::error_code error;
  fs::remove_all(dir, error);  // an interrupted earlier attempt
  return {database_login(dsn), dsn.database, dir,
          !base.empty() && snapshot::db::is_usable_dump(base) ? base : fs::path()};
}

void restore_one(const DatabaseDsn& dsn, const fs::path& dump, Progress* progress, const fs::path& plan) {
  snapshot::db::RestoreOptions options;
  options.progress = progress;
  options.plan_dir = plan;
  snapshot::db::RestoreReport report = snapshot::db::restore_changed(database_login(dsn), dsn.database, dump, options);
  spdlog::info("restored {} from {}: {}", dsn.redacted(), dump.string(), snapshot::db::summary(report));
  if (!plan.empty())
    spdlog::info("restore of {}: {} tables as planned online, {} written since the plan and compared again",
                 dsn.redacted(), report.planned_tables.size(), report.replanned_tables.size());
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string list;
  for (const std::string& name : names) {
    std::string quoted = "'";
    for (char c : name) quoted += (c == '\'' || c == '\\') ? std::string{'\\', c} : std::string{c};
    list += (list.empty() ? "" : ",") + quoted + "'";
  }
  return list;
}

}  // namespace

void dump_site_databases(UpgradeWorld& world, const fs::path& dir, const fs::path& base, Progress* progress) {
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);  // dumps hold personal data
  const std::vector<SiteDatabase> databases = world.databases();
  std::vector<snapshot::db::DumpTarget> targets;
  for (const SiteDatabase& database : databases) {
    targets.push_back(dump_target(database.dsn, dir / database.role(), base.empty() ? base : base / database.role()));
  }
  snapshot::db::DumpOptions options;
  options.progress = progress;
  // Every database at one consistent point: a rollback never pairs a CiviCRM
  // state with a Backdrop or logging state of another moment.
  std::vector<snapshot::db::DumpManifest> manifests = snapshot::db::dump_databases(targets, options);
  spdlog::info("consistent point: {}", manifests.front().consistency);
  for (size_t i = 0; i < databases.size(); ++i) log_dump(databases[i].dsn, manifests[i]);
}

void plan_site_restores(UpgradeWorld& world, const fs::path& dir, const fs::path& plan_dir) {
  fs::create_directories(plan_dir);
  fs::permissions(plan_dir, fs::perms::owner_all, fs::perm_options::replace);  // rows of the dumps
  for (const SiteDatabase& database : world.databases()) {
    std::error_code error;
    if (!fs::exists(dir / database.role(), error)) continue;  // as restore_site_databases: left alone
    snapshot::db::RestorePlanReport report = snapshot::db::plan_restore(
        database_login(database.dsn), database.dsn.database, dir / database.role(), plan_dir / database.role());
    spdlog::info(
        "planned the restore of {} online in {:.1f} s: {} tables unchanged, {} to reload, {} to repair in "
        "place ({} rows, {} of {} row ranges differ)",
        database.dsn.redacted(), report.seconds, report.unchanged_tables.size(), report.reload_tables.size(),
        report.repair_tables.size(), report.repair_rows, report.differing_ranges, report.compared_ranges);
  }
}

void restore_site_databases(UpgradeWorld& world, const fs::path& dir, Progress* progress, const fs::path& plan_dir) {
  world.reconnect();
  for (const SiteDatabase& database : world.databases()) {
    std::error_code error;
    // A snapshot from before CIVICRM_LOGGING_DSN was set has no logging dump:
    // that database did not exist then and is left as it is.
    if (database.role() == "logging" && !fs::exists(dir / database.role(), error)) {
      spdlog::warn("{} holds no dump of the logging database {}; it is left as it is", dir.string(),
                   database.dsn.redacted());
      continue;
    }
    restore_one(database.dsn, dir / database.role(), progress,
                plan_dir.empty() ? plan_dir : plan_dir / database.role());
  }
}

void wait_for_site_transactions(UpgradeWorld& world, int timeout_seconds) {
  std::vector<std::string> users;
  for (const SiteDatabase& database : world.databases()) {
    if (std::find(users.begin(), users.end(), database.dsn.user) == users.end()) users.push_back(database.dsn.user);
  }
  // One line per open transaction of another session of the site's users.
  const std::string open_transactions =
      "SELECT GROUP_CONCAT(CONCAT('session ', p.ID, ' (', p.USER, '@', p.HOST, ', ', IFNULL(p.DB, '-'), "
      "', in a transaction since ', t.trx_started, ')') SEPARATOR '; ') "
      "FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id "
      "WHERE p.ID <> CONNECTION_ID() AND p.USER IN (" +
      quoted_list(users) + ")";
  auto started = std::chrono::steady_clock::now();
  try {
    for (;;) {
      std::optional<std::string> open = world.civicrm_db().query_scalar(open_transactions);
      if (!open) return;
      if (std::chrono::steady_clock::now() - started >= std::chrono::seconds(timeout_seconds)) {
        spdlog::warn(
            "the site still has open transactions after {} s, dumping anyway (a rollback would lose what "
            "they commit later): {}",
            timeout_seconds, *open);
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  } catch (const Error& e) {
    // The site's own account usually lacks PROCESS.  Its dumps then take LOCK
    // TABLES, which itself waits for every transaction that wrote to the site's tables.
    spdlog::info(
        "the site's open transactions are not visible without the PROCESS privilege: not waiting for "
        "them here (a dump without RELOAD waits at its LOCK TABLES for those that wrote)");
    spdlog::debug("reading them: {}", e.what());
  }
}

}  // namespace civiup::phases
