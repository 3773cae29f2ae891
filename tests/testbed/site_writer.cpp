#include "testbed/site_writer.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "testbed/sql_session.hpp"

namespace civiup::testbed {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_term(int) { g_stop = 1; }

// What Backdrop itself reads: the raw `state` row.
bool maintenance_on(SqlSession& backdrop, const std::string& prefix) {
  try {
    return backdrop.value(fmt::format("SELECT value FROM `{}state` WHERE name = 'maintenance_mode'", prefix)) == "b:1;";
  } catch (const std::exception&) {
    return true;  // the table is being restored: treat as offline, never as "before"
  }
}

// One transaction; false when the server refused it (a table being
// restored, a lock wait): the writer goes on, as a site would.
bool commit(SqlSession& session, const std::vector<std::string>& statements) {
  try {
    session.run("START TRANSACTION");
    for (const std::string& statement : statements) session.run(statement);
    session.run("COMMIT");
    return true;
  } catch (const std::exception&) {
    try {
      session.run("ROLLBACK");
    } catch (const std::exception&) {
    }
    return false;
  }
}

}  // namespace

int write_load_main(int argc, char** argv) {
  // Plain option parsing: the generator library does not link cxxopts.
  std::map<std::string, std::string> options = {{"--prefix", ""}, {"--rate", "100"}};
  bool until_maintenance = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--until-maintenance") {
      until_maintenance = true;
    } else if (arg == "-h" || arg == "--help") {
      fmt::print(
          "civiup-testbed write-load --civicrm-db C --backdrop-db B [--prefix P] [--rate N] "
          "[--until-maintenance] --log FILE\n");
      return 0;
    } else if (i + 1 < argc && arg.starts_with("--")) {
      options[arg] = argv[++i];
    } else {
      throw std::runtime_error("write-load: unexpected argument '" + arg + "'");
    }
  }
  for (const char* required : {"--civicrm-db", "--backdrop-db", "--log"}) {
    if (!options.contains(required)) throw std::runtime_error(std::string("write-load: ") + required + " is required");
  }
  std::signal(SIGTERM, on_term);
  std::signal(SIGINT, on_term);
  DatabaseServer server = DatabaseServer::from_environment();
  SqlSession crm(server, options["--civicrm-db"]);
  SqlSession bd(server, options["--backdrop-db"]);
  SqlSession state(server, options["--backdrop-db"]);
  const std::string prefix = options["--prefix"];
  std::FILE* log = std::fopen(options["--log"].c_str(), "a");
  if (log == nullptr) throw std::runtime_error("write-load: cannot open the log " + options["--log"]);
  const auto pause = std::chrono::microseconds(2'000'000 / std::max(1, std::stoi(options["--rate"])));
  for (long n = 1; g_stop == 0; ++n) {
    auto next = std::chrono::steady_clock::now() + pause;
    // As a Backdrop request: nothing is written while the site is in
    // maintenance mode (the check comes first, the commit a moment later:
    // the race civiup's quiesce step is for).
    if (maintenance_on(state, prefix)) {
      if (until_maintenance) break;
      std::this_thread::sleep_until(next);
      continue;
    }
    // CiviCRM: a new contact, and an update of the previous one.
    bool crm_done = commit(crm, {fmt::format("INSERT INTO civicrm_contact (contact_type, display_name) "
                                             "VALUES ('Individual', 'load {}')",
                                             n),
                                 fmt::format("UPDATE civicrm_contact SET first_name = 'updated {}' "
                                             "WHERE display_name = 'load {}'",
                                             n, n - 1)});
    if (crm_done) fmt::print(log, "crm {} {}\n", n, maintenance_on(state, prefix) ? "on" : "off");
    bool bd_done = commit(bd, {fmt::format("INSERT INTO `{}node` (type, title, uid, created) "
                                           "VALUES ('post', 'load {}', 1, {})",
                                           prefix, n, n),
                               fmt::format("UPDATE `{}node` SET status = 0 WHERE title = 'load {}'", prefix, n - 1)});
    if (bd_done) fmt::print(log, "bd {} {}\n", n, maintenance_on(state, prefix) ? "on" : "off");
    std::fflush(log);
    std::this_thread::sleep_until(next);
  }
  std::fclose(log);
  return 0;
}

}  // namespace civiup::testbed
