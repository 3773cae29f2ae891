#include "testbed/week_of_work.hpp"

#include <fstream>
#include <map>
#include <random>
#include <set>
#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "testbed/civicrm_schema.hpp"
#include "testbed/sql_session.hpp"

namespace civiup::testbed {
namespace {

// The ids to update: the first and the last, half of the rest evenly spaced
// over the range, the other half random; `count` distinct ids (all when the
// table has fewer rows).
std::set<uint64_t> spread_ids(uint64_t low, uint64_t high, uint64_t count, uint32_t seed) {
  std::set<uint64_t> ids;
  if (high < low) return ids;
  const uint64_t span = high - low + 1;
  if (span <= count) {
    for (uint64_t id = low; id <= high; ++id) ids.insert(id);
    return ids;
  }
  ids.insert(low);
  ids.insert(high);
  const uint64_t even = count / 2;
  for (uint64_t k = 1; k + 1 < even; ++k) ids.insert(low + k * (span - 1) / (even - 1));
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<uint64_t> pick(low, high);
  while (ids.size() < count) ids.insert(pick(random));
  return ids;
}

// Adds `contacts` contacts after the highest id, with the generator's own
// statements (their ids of phones, activities, contributions derive from the
// contact's), foreign keys checked as on a live site.
std::pair<uint64_t, uint64_t> add_contacts(SqlSession& crm, uint64_t contacts) {
  const uint64_t first = std::stoull(crm.value("SELECT MAX(id) FROM civicrm_contact")) + 1;
  const uint64_t last = first + contacts - 1;
  const CiviCrmBulkStatements bulk = civicrm_bulk_statements(first, last, last);
  crm.run("START TRANSACTION");
  crm.run_all(bulk.contact_lane);
  crm.run_all(bulk.activity_lane);
  crm.run("COMMIT");
  return {first, last};
}

// Updates the big table's rows at spread-out keys (a refund each: status and
// result code change, so every row really changes).  Returns the rows changed.
uint64_t update_big_table(SqlSession& crm, uint64_t count, uint32_t seed) {
  const std::string table = kCiviCrmBigTable;
  if (crm.value(fmt::format("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                            " AND TABLE_NAME = '{}'",
                            table)) == "0") {
    return 0;
  }
  const std::string low = crm.value("SELECT MIN(id) FROM " + table);
  if (low.empty()) return 0;
  const std::set<uint64_t> ids =
      spread_ids(std::stoull(low), std::stoull(crm.value("SELECT MAX(id) FROM " + table)), count, seed);
  std::string list;
  for (uint64_t id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
  crm.run(
      fmt::format("UPDATE {} SET status_id = 7, trxn_result_code = CONCAT('week of work: refunded ', id)"
                  " WHERE id IN ({})",
                  table, list));
  return std::stoull(
      crm.value(fmt::format("SELECT COUNT(*) FROM {} WHERE trxn_result_code LIKE 'week of work: refunded %'", table)));
}

// The site slogan in system.core: the active config file under
// files/config_*/active/, or the active_config row.  Returns what it changed.
std::string change_config(SqlSession& bd, const std::string& prefix, const fs::path& root) {
  const std::string slogan = "A week after the upgrade";
  for (const fs::directory_entry& entry : fs::directory_iterator(root / "files")) {
    const fs::path file = entry.path() / "active" / "system.core.json";
    if (!entry.path().filename().string().starts_with("config_") || !fs::exists(file)) continue;
    std::ifstream in(file);
    nlohmann::ordered_json config = nlohmann::ordered_json::parse(in);
    config["site_slogan"] = slogan;
    std::ofstream out(file, std::ios::trunc);
    out << config.dump(4) << "\n";
    if (!out.flush()) throw std::runtime_error("week-of-work: cannot write " + file.string());
    return file.string();
  }
  const std::string active_config = quote_name(prefix + "active_config");
  const std::string json = bd.value("SELECT data FROM " + active_config + " WHERE name = 'system.core'");
  if (json.empty())
    throw std::runtime_error("week-of-work: no system.core config under " + root.string() +
                             "/files or in the database");
  nlohmann::ordered_json config = nlohmann::ordered_json::parse(json);
  config["site_slogan"] = slogan;
  bd.run(fmt::format("UPDATE {} SET data = {} WHERE name = 'system.core'", active_config, quote_text(config.dump(4))));
  return prefix + "active_config";
}

void change_backdrop(SqlSession& bd, const std::string& prefix) {
  auto t = [&](const char* name) { return quote_name(prefix + name); };
  bd.run(fmt::format(
      "INSERT INTO {} (type, title, uid, created) VALUES ('post', 'Volunteer evening recap', 1, 1716000000),"
      " ('page', 'Privacy policy (updated)', 1, 1716000100)",
      t("node")));
  bd.run(
      fmt::format("INSERT INTO {} (uid, name, pass, mail, status, created)"
                  " SELECT MAX(uid) + 1, 'week-editor', '$S$Dweek', 'editor@example.org', 1, 1716000200 FROM {}",
                  t("users"), t("users")));
  bd.run(fmt::format("UPDATE {} SET value = 'i:1716003600;' WHERE name = 'cron_last'", t("state")));
}

}  // namespace

int week_of_work_main(int argc, char** argv) {
  // Plain option parsing: the generator library does not link cxxopts.
  std::map<std::string, std::string> options = {
      {"--prefix", ""}, {"--contacts", "50"}, {"--big-table-updates", "1000"}, {"--seed", "1"}};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      fmt::print(
          "civiup-testbed week-of-work --root R --civicrm-db C --backdrop-db B [--prefix P] [--contacts 50]"
          " [--big-table-updates 1000] [--seed 1]\n");
      return 0;
    }
    const bool known = options.contains(arg) || arg == "--root" || arg == "--civicrm-db" || arg == "--backdrop-db";
    if (known && i + 1 < argc) {
      options[arg] = argv[++i];
    } else {
      throw std::runtime_error("week-of-work: unexpected argument '" + arg + "'");
    }
  }
  for (const char* required : {"--root", "--civicrm-db", "--backdrop-db"}) {
    if (!options.contains(required))
      throw std::runtime_error(std::string("week-of-work: ") + required + " is required");
  }
  const DatabaseServer server = DatabaseServer::from_environment();
  SqlSession crm(server, options["--civicrm-db"]);
  SqlSession bd(server, options["--backdrop-db"]);
  const auto [first, last] = add_contacts(crm, std::stoull(options["--contacts"]));
  const uint64_t changed = update_big_table(crm, std::stoull(options["--big-table-updates"]),
                                            static_cast<uint32_t>(std::stoul(options["--seed"])));
  change_backdrop(bd, options["--prefix"]);
  const std::string config = change_config(bd, options["--prefix"], options["--root"]);
  nlohmann::ordered_json report;
  report["contacts_added"] = {first, last};
  report["big_table_rows_changed"] = changed;
  report["backdrop"] = {"node +2", "users +1", "state cron_last", config};
  fmt::print("{}\n", report.dump());
  return 0;
}

}  // namespace civiup::testbed
