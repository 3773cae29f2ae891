// civiup-dbsnap: drives the database snapshot library from the command line,
// for scripts/bench.d/db and for tests that must kill a dump mid-way.
//   civiup-dbsnap dump DIR DATABASE [JOBS]
//   civiup-dbsnap restore DIR DATABASE [JOBS]
//   civiup-dbsnap restore-changed DIR DATABASE [JOBS]
//   civiup-dbsnap restore-changed-reload DIR DATABASE [JOBS]   (no repair in place)
//   civiup-dbsnap plan DIR DATABASE [JOBS]   (plan_restore into $CIVIUP_DBSNAP_PLAN)
// dump takes a delta against the dump in $CIVIUP_DBSNAP_BASE when it is set;
// restore-changed applies the plan in $CIVIUP_DBSNAP_PLAN when it is set.
// The server comes from CIVIUP_DB_HOST/PORT/SOCKET/USER and the password from
// MYSQL_PWD (never argv).  Prints one JSON line.
#include <cstdlib>
#include <iostream>
#include <string>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/snapshot/db/database_dump.hpp"
#include "civiup/snapshot/db/database_restore.hpp"

namespace db = civiup::snapshot::db;

namespace {

std::string env(const char* name, const char* fallback = "") {
  const char* value = std::getenv(name);
  return value != nullptr ? value : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: civiup-dbsnap dump|restore|restore-changed|restore-changed-reload|plan DIR DATABASE [JOBS]\n";
    return 2;
  }
  std::string command = argv[1], dir = argv[2], database = argv[3];
  int jobs = argc > 4 ? std::atoi(argv[4]) : 2;
  db::DatabaseLogin login;
  login.host = env("CIVIUP_DB_HOST", "127.0.0.1");
  login.port = std::atoi(env("CIVIUP_DB_PORT", "3306").c_str());
  login.socket = env("CIVIUP_DB_SOCKET");
  login.user = env("CIVIUP_DB_USER", "root");
  login.password = env("MYSQL_PWD");
  try {
    if (command == "dump") {
      db::DumpOptions options;
      options.jobs = jobs;
      options.base = env("CIVIUP_DBSNAP_BASE");  // a delta against that dump when set
      auto manifest = db::dump_database(login, database, dir, options);
      std::cout << fmt::format(R"({{"ok":true,"seconds":{:.3f},"sql_bytes":{},"bytes":{},"tables":{}}})",
                               manifest.seconds, manifest.total_sql_bytes(), manifest.total_bytes(),
                               manifest.tables.size())
                << std::endl;
    } else if (command == "plan") {
      db::RestoreOptions options;
      options.jobs = jobs;
      auto report = db::plan_restore(login, database, dir, env("CIVIUP_DBSNAP_PLAN"), options);
      std::cout << fmt::format(R"({{"ok":true,"seconds":{:.3f},"unchanged":{},"reload":{},"repair":{},)"
                               R"("repair_rows":{},"compared_ranges":{},"differing_ranges":{}}})",
                               report.seconds, report.unchanged_tables.size(), report.reload_tables.size(),
                               report.repair_tables.size(), report.repair_rows, report.compared_ranges,
                               report.differing_ranges)
                << std::endl;
    } else if (command == "restore" || command == "restore-changed" || command == "restore-changed-reload") {
      db::RestoreOptions options;
      options.jobs = jobs;
      options.repair_in_place = command != "restore-changed-reload";
      if (command == "restore-changed") options.plan_dir = env("CIVIUP_DBSNAP_PLAN");
      auto report = command == "restore" ? db::restore_database(login, database, dir, options)
                                         : db::restore_changed(login, database, dir, options);
      auto names = [](const std::vector<std::string>& tables) {
        std::string list;
        for (const auto& table : tables) list += fmt::format("{}\"{}\"", list.empty() ? "" : ",", table);
        return list;
      };
      std::cout << fmt::format(R"({{"ok":true,"seconds":{:.3f},"sql_bytes":{},"restored_tables":{},)"
                               R"("unchanged_tables":{},"checksummed_tables":{},"dropped_objects":{},"restored":[{}],)"
                               R"("repaired":[{}],"repaired_rows":{},"planned_tables":{},"differing_ranges":{}}})",
                               report.seconds, report.sql_bytes, report.restored_tables.size(),
                               report.unchanged_tables.size(), report.checksummed_tables.size(),
                               report.dropped_objects.size(), names(report.restored_tables),
                               names(report.repaired_tables), report.repaired_rows, report.planned_tables.size(),
                               report.differing_ranges)
                << std::endl;
    } else {
      std::cerr << "civiup-dbsnap: unknown command " << command << "\n";
      return 2;
    }
  } catch (const civiup::Error& e) {
    std::cerr << "civiup-dbsnap: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
