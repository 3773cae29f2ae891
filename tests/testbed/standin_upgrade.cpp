// The stand-in `cv upgrade:db` (standin_upgrade.hpp): the same visible
// effects on the database as a real CiviCRM upgrade, in the same order
// (triggers dropped, version marked .upgrade, schema and rows changed,
// triggers rebuilt, version stamped), with knobs to fail at any step.
#include "testbed/standin_upgrade.hpp"

#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "civiup/base/durable_file.hpp"
#include "testbed/civicrm_schema.hpp"
#include "testbed/sql_session.hpp"

namespace civiup::testbed {
namespace {

namespace fs = std::filesystem;

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// "5.75.0" -> {5, 75, 0}; a suffix (".upgrade", "alpha1") is ignored.
std::vector<int> version_numbers(const std::string& version) {
  std::vector<int> numbers;
  std::istringstream parts(version);
  std::string part;
  while (std::getline(parts, part, '.')) {
    if (part.empty() || std::isdigit(static_cast<unsigned char>(part[0])) == 0) break;
    numbers.push_back(std::atoi(part.c_str()));
  }
  while (numbers.size() < 3) numbers.push_back(0);
  return numbers;
}

// Output as cv prints it: line by line, flushed, so a killed run still shows
// how far it got.
void say(const std::string& line) {
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

void complain(const std::string& line) {
  std::fputs(("Error: " + line + "\n").c_str(), stderr);
  std::fflush(stderr);
}

// The knobs, read once.
struct Knobs {
  std::string fail_at;
  std::string hang_at;
  bool exit0_with_upgrade = false;
  int delay_ms = 0;
  std::string log_file;
  std::string compatibility;  // the new release's extension-compatibility.json ("" when it has none)

  static Knobs from_environment() {
    Knobs knobs;
    knobs.fail_at = environment("CIVIUP_STANDIN_FAIL_AT");
    knobs.hang_at = environment("CIVIUP_STANDIN_HANG");
    knobs.exit0_with_upgrade =
        !environment("CIVIUP_STANDIN_EXIT0_UPGRADE").empty() && environment("CIVIUP_STANDIN_EXIT0_UPGRADE") != "0";
    if (!environment("CIVIUP_STANDIN_DELAY_MS").empty())
      knobs.delay_ms = std::atoi(environment("CIVIUP_STANDIN_DELAY_MS").c_str());
    knobs.log_file = environment("CIVIUP_STANDIN_LOG");
    for (const std::string* step : {&knobs.fail_at, &knobs.hang_at}) {
      if (step->empty()) continue;
      bool known = false;
      for (const std::string& name : standin_upgrade_steps()) known = known || name == *step;
      if (!known) throw std::invalid_argument(fmt::format("unknown step '{}' in a CIVIUP_STANDIN_* knob", *step));
    }
    return knobs;
  }
};

// One run of the stand-in against one database.
class StandinUpgrade {
 public:
  // `logging`: the database of CIVICRM_LOGGING_DSN, when it has one (null: none).
  StandinUpgrade(SqlSession& session, std::string from, std::string to, Knobs knobs, SqlSession* logging = nullptr,
                 std::string logging_db = {})
      : session_(session),
        from_(std::move(from)),
        to_(std::move(to)),
        knobs_(std::move(knobs)),
        suffix_(std::regex_replace(to_, std::regex("[^0-9A-Za-z]"), "_")),
        logging_(logging),
        logging_db_(std::move(logging_db)) {}

  // The exit code; records the outcome in `outcome`.
  int run(std::string& outcome) {
    for (const std::string& step : standin_upgrade_steps()) {
      if (knobs_.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(knobs_.delay_ms));
      if (knobs_.fail_at == step) {
        complain(fmt::format("stand-in upgrade to {} failed at step '{}' (CIVIUP_STANDIN_FAIL_AT)", to_, step));
        outcome = "failed-at-" + step;
        return 1;
      }
      if (knobs_.hang_at == step) {
        say(fmt::format("Hanging at step '{}' (CIVIUP_STANDIN_HANG); kill me.", step));
        log_outcome("hang-at-" + step);
        for (;;) pause();
      }
      if (knobs_.exit0_with_upgrade && step == "stamp") {
        // bee reports a failed upgrade on its output and still exits 0.
        say(fmt::format(" [error] CiviCRM upgrade to {} did not finish; the database is left at {}.upgrade", to_, to_));
        outcome = "exit0-with-upgrade";
        return 0;
      }
      if (!perform(step)) {
        outcome = "already-upgraded";
        return 0;
      }
    }
    outcome = "upgraded";
    return 0;
  }

  void log_outcome(const std::string& outcome) const { append_log(knobs_.log_file, from_, to_, outcome); }

  static void append_log(const std::string& file, const std::string& from, const std::string& to,
                         const std::string& outcome) {
    if (file.empty()) return;
    std::ofstream log(file, std::ios::app);
    log << fmt::format("cwd={} from={} to={} outcome={}\n", fs::current_path().string(), from, to, outcome);
  }

 private:
  // Does `step`; false when there is nothing to upgrade.
  bool perform(const std::string& step) {
    if (step == "start") return start();
    if (step == "drop-triggers") {
      say("Dropping SQL triggers.");
      for (const std::string& name :
           session_.column("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS"
                           " WHERE TRIGGER_SCHEMA = DATABASE() AND TRIGGER_NAME LIKE 'civicrm\\_%'")) {
        session_.run("DROP TRIGGER IF EXISTS " + quote_name(name));
        dropped_triggers_.insert(name);
      }
    } else if (step == "mark") {
      say("Preparing upgrade.");
      // CiviCRM marks the database as being upgraded before the first change.
      session_.run(fmt::format("UPDATE civicrm_domain SET version = {}", quote_text(to_ + ".upgrade")));
      say("Executing upgrade...");
    } else if (step == "add-column") {
      say(fmt::format("[1/4] Upgrade DB to {}: SQL", to_));
      if (has_table("civicrm_contact")) {
        session_.run(
            fmt::format("ALTER TABLE civicrm_contact ADD COLUMN IF NOT EXISTS {} VARCHAR(255) DEFAULT NULL"
                        " COMMENT 'added by the stand-in upgrade to {}'",
                        quote_name(added_column()), to_));
      }
      // CiviCRM's upgrade keeps the log tables' columns in step (fixSchemaDifferences).
      if (logging_ != nullptr) {
        logging_->run(
            fmt::format("ALTER TABLE log_civicrm_contact ADD COLUMN IF NOT EXISTS {} VARCHAR(255) DEFAULT NULL",
                        quote_name(added_column())));
      }
    } else if (step == "create-table") {
      say(fmt::format("[2/4] Upgrade DB to {}: Create {}", to_, added_table()));
      session_.run(fmt::format(
          "CREATE TABLE IF NOT EXISTS {} (id INT UNSIGNED NOT NULL AUTO_INCREMENT, name VARCHAR(64) NOT NULL,"
          " value TEXT DEFAULT NULL, created_date TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, PRIMARY KEY (id),"
          " UNIQUE KEY UI_name (name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci "
          "ROW_FORMAT=DYNAMIC",
          quote_name(added_table())));
      session_.run(fmt::format("INSERT IGNORE INTO {} (name, value) VALUES ('upgraded_from', {}), ('upgraded_to', {})",
                               quote_name(added_table()), quote_text(from_), quote_text(to_)));
    } else if (step == "change-rows") {
      say(fmt::format("[3/4] Upgrade DB to {}: Update rows", to_));
      change_rows();
    } else if (step == "rebuild-triggers") {
      say(fmt::format("[4/4] Upgrade DB to {}: Rebuild triggers", to_));
      rebuild_triggers();
    } else if (step == "stamp") {
      session_.run(fmt::format("UPDATE civicrm_domain SET version = {}", quote_text(to_)));
      say(fmt::format("Finish Upgrade DB to {}", to_));
    } else if (step == "finish") {
      say("Have a nice day.");
    }
    return true;
  }

  bool start() {
    say(fmt::format("Found CiviCRM database version {}.", from_));
    say(fmt::format("Found CiviCRM code version {}.", to_));
    if (from_.ends_with(".upgrade")) {
      throw std::runtime_error(
          fmt::format("the database version {} is a partial upgrade; restore the database from a backup", from_));
    }
    if (version_numbers(from_) == version_numbers(to_)) {
      say(fmt::format("You are already upgraded to CiviCRM {}", to_));
      return false;
    }
    if (version_numbers(from_) > version_numbers(to_)) {
      throw std::runtime_error(
          fmt::format("Your database is marked with an unexpected version number: {}. The v{} codebase"
                      " may not be compatible with your database state.",
                      from_, to_));
    }
    say("Checking pre-upgrade messages.");
    say("(No messages)");
    return true;
  }

  void change_rows() {
    // As real incremental upgrades do: new option values, data migrated into
    // the new column, extension schema versions bumped, caches flushed.
    if (has_table("civicrm_option_value") && has_table("civicrm_option_group")) {
      session_.run(fmt::format(
          "INSERT INTO civicrm_option_value (option_group_id, label, value, name, weight, is_reserved)"
          " SELECT g.id, {0}, {0}, {0}, 100, 1 FROM civicrm_option_group g WHERE g.name = 'activity_type'"
          " AND NOT EXISTS (SELECT 1 FROM civicrm_option_value v WHERE v.option_group_id = g.id AND v.name = {0})",
          quote_text("Upgrade " + to_)));
    }
    if (has_table("civicrm_contact")) {
      session_.run(fmt::format("UPDATE civicrm_contact SET {} = {} WHERE id % 100 = 1", quote_name(added_column()),
                               quote_text("upgraded to " + to_)));
    }
    if (has_table("civicrm_extension")) {
      session_.run(
          fmt::format("UPDATE civicrm_extension SET schema_version = {} WHERE full_name = 'org.civicrm.search_kit'",
                      quote_text(to_)));
    }
    if (has_table("civicrm_extension")) retire_obsolete_extensions();
    if (has_table("civicrm_cache")) session_.run("DELETE FROM civicrm_cache");
  }

  // CRM_Upgrade_Form::disableOldExtensions: disable (is_active = 0), then
  // uninstall (the row goes) what is disabled; force-uninstall sets
  // is_active = 0 without the extension's own code.
  void retire_obsolete_extensions() {
    if (knobs_.compatibility.empty()) return;
    const nlohmann::json entries = nlohmann::json::parse(knobs_.compatibility);
    for (auto item = entries.begin(); item != entries.end(); ++item) {
      const std::string& key = item.key();
      const nlohmann::json& entry = item.value();
      bool disable = entry.value("disable", false);
      bool uninstall = entry.value("uninstall", false);
      bool force = entry.value("force-uninstall", false);
      if (disable || force) {
        session_.run(fmt::format("UPDATE civicrm_extension SET is_active = 0 WHERE full_name = {}", quote_text(key)));
        say(fmt::format("The extension {} is now obsolete and has been disabled.", key));
      }
      if (uninstall) {
        session_.run(
            fmt::format("DELETE FROM civicrm_extension WHERE full_name = {} AND is_active = 0", quote_text(key)));
      }
    }
  }

  void rebuild_triggers() {
    // CiviCRM rebuilds its triggers from its own definitions (triggerInfo).
    static const std::regex name_pattern(R"(^CREATE TRIGGER (\S+) )");
    std::vector<std::string> statements = civicrm_routine_statements();
    if (logging_ != nullptr) {
      for (std::string& statement : civicrm_logging_trigger_statements(logging_db_, {added_column()})) {
        statements.push_back(std::move(statement));
      }
    }
    for (const std::string& statement : statements) {
      std::smatch match;
      if (std::regex_search(statement, match, name_pattern) && dropped_triggers_.count(match[1]) != 0) {
        session_.run(statement);
      }
    }
  }

  bool has_table(const std::string& name) {
    return session_.value(fmt::format("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                                      " AND TABLE_NAME = {}",
                                      quote_text(name))) != "0";
  }

  std::string added_column() const { return "upgrade_" + suffix_ + "_note"; }
  std::string added_table() const { return "civicrm_standin_" + suffix_; }

  SqlSession& session_;
  std::string from_, to_;
  Knobs knobs_;
  std::string suffix_;
  std::set<std::string> dropped_triggers_;
  SqlSession* logging_;
  std::string logging_db_;
};

}  // namespace

const std::vector<std::string>& standin_upgrade_steps() {
  static const std::vector<std::string> steps = {
      "start",       "drop-triggers",    "mark",  "add-column", "create-table",
      "change-rows", "rebuild-triggers", "stamp", "finish"};
  return steps;
}

std::string version_from_civicrm_version_php(const std::string& text) {
  static const std::regex pattern(R"('version'\s*=>\s*'([^']+)')");
  std::smatch match;
  return std::regex_search(text, match, pattern) ? std::string(match[1]) : std::string();
}

std::string php_define_value(const std::string& text, const std::string& name) {
  // define('NAME', 'value'); single or double quotes, as the installer writes.
  const std::regex pattern("define\\s*\\(\\s*['\"]" + name + "['\"]\\s*,\\s*(['\"])(.*?)\\1\\s*\\)");
  std::smatch match;
  return std::regex_search(text, match, pattern) ? std::string(match[2]) : std::string();
}

int run_standin_upgrade(const StandinUpgradeOptions& options) {
  Knobs knobs;
  std::string dsn, to = options.to_version;
  const fs::path root = options.root.empty() ? fs::current_path() : options.root;
  try {
    knobs = Knobs::from_environment();
    dsn = php_define_value(read_file(root / "civicrm.settings.php"), "CIVICRM_DSN");
    if (dsn.empty())
      throw std::runtime_error(fmt::format("no CIVICRM_DSN in {}", (root / "civicrm.settings.php").string()));
    if (to.empty()) {
      const fs::path version_php = root / "modules" / "civicrm" / "civicrm-version.php";
      to = version_from_civicrm_version_php(read_file(version_php));
      if (to.empty()) throw std::runtime_error(fmt::format("no 'version' in {}", version_php.string()));
    }
    const fs::path compatibility = root / "modules" / "civicrm" / "extension-compatibility.json";
    if (fs::exists(compatibility)) knobs.compatibility = read_file(compatibility);
  } catch (const std::exception& e) {
    complain(e.what());
    return 2;
  }
  std::string from = "?";
  std::string outcome = "error";
  int code = 1;
  try {
    SqlSession session(parse_dsn(dsn));
    from = session.value("SELECT version FROM civicrm_domain ORDER BY id LIMIT 1");
    std::unique_ptr<SqlSession> logging;
    const std::string logging_dsn = php_define_value(read_file(root / "civicrm.settings.php"), "CIVICRM_LOGGING_DSN");
    if (!logging_dsn.empty() && parse_dsn(logging_dsn).database != parse_dsn(dsn).database) {
      logging = std::make_unique<SqlSession>(parse_dsn(logging_dsn));
    }
    StandinUpgrade upgrade(session, from, to, knobs, logging.get(),
                           logging ? parse_dsn(logging_dsn).database : std::string());
    code = upgrade.run(outcome);
  } catch (const std::exception& e) {
    complain(e.what());
    outcome = "error";
    code = 1;
  }
  StandinUpgrade::append_log(knobs.log_file, from, to, outcome);
  return code;
}

}  // namespace civiup::testbed
