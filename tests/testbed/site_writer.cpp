#include "testbed/site_writer.hpp"

#include <csignal>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include <cxxopts.hpp>
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
  cxxopts::Options options("civiup-testbed write-load", "Commit small transactions to both databases, logging each");
  options.add_options()
      ("civicrm-db", "the CiviCRM database", cxxopts::value<std::string>())
      ("backdrop-db", "the Backdrop database", cxxopts::value<std::string>())
      ("prefix", "Backdrop's table prefix", cxxopts::value<std::string>()->default_value(""))
      ("rate", "transactions a second (half to each database)", cxxopts::value<int>()->default_value("100"))
      ("until-maintenance", "stop once maintenance mode is on")
      ("log", "the commit log to append to", cxxopts::value<std::string>())
      ("h,help", "this help");
  auto args = options.parse(argc, argv);
  if (args.count("help") != 0) {
    fmt::print("{}", options.help());
    return 0;
  }
  if (args.count("civicrm-db") == 0 || args.count("backdrop-db") == 0 || args.count("log") == 0) {
    throw std::runtime_error("write-load: --civicrm-db, --backdrop-db and --log are required");
  }
  std::signal(SIGTERM, on_term);
  std::signal(SIGINT, on_term);
  DatabaseServer server = DatabaseServer::from_environment();
  SqlSession crm(server, args["civicrm-db"].as<std::string>());
  SqlSession bd(server, args["backdrop-db"].as<std::string>());
  SqlSession state(server, args["backdrop-db"].as<std::string>());
  const std::string prefix = args["prefix"].as<std::string>();
  const bool until_maintenance = args.count("until-maintenance") != 0;
  std::FILE* log = std::fopen(args["log"].as<std::string>().c_str(), "a");
  if (log == nullptr) throw std::runtime_error("write-load: cannot open the log");
  const auto pause = std::chrono::microseconds(2'000'000 / std::max(1, args["rate"].as<int>()));
  for (long n = 1; g_stop == 0; ++n) {
    if (until_maintenance && maintenance_on(state, prefix)) break;
    auto next = std::chrono::steady_clock::now() + pause;
    // CiviCRM: a new contact, and an update of the previous one.
    bool crm_done = commit(crm, {fmt::format("INSERT INTO civicrm_contact (contact_type, display_name) "
                                             "VALUES ('Individual', 'load {}')", n),
                                 fmt::format("UPDATE civicrm_contact SET first_name = 'updated {}' "
                                             "WHERE display_name = 'load {}'", n, n - 1)});
    if (crm_done) fmt::print(log, "crm {} {}\n", n, maintenance_on(state, prefix) ? "on" : "off");
    bool bd_done = commit(bd, {fmt::format("INSERT INTO `{}node` (type, title, uid, created) "
                                           "VALUES ('post', 'load {}', 1, {})", prefix, n, n),
                               fmt::format("UPDATE `{}node` SET status = 0 WHERE title = 'load {}'", prefix, n - 1)});
    if (bd_done) fmt::print(log, "bd {} {}\n", n, maintenance_on(state, prefix) ? "on" : "off");
    std::fflush(log);
    std::this_thread::sleep_until(next);
  }
  std::fclose(log);
  return 0;
}

}  // namespace civiup::testbed
