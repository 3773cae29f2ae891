// The preflight report for people (the plan, step by step) and for scripts
// (the `check` fields of DESIGN.md §4: ready, problems, and the details).
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "civiup/check/preflight.hpp"

namespace civiup {
namespace {

std::string or_unknown(const std::optional<std::string>& value) { return value ? *value : "unknown"; }

std::string joined(const std::vector<std::string>& items, std::string_view separator = ", ") {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

std::string megabytes(uint64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

std::string yes_no(bool value) { return value ? "yes" : "no"; }

nlohmann::json optional_json(const std::optional<std::string>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json();
}

// What this site adds to a phase's reason in the plan: the facts check found
// that the phase acts on.  A phase not named here shows its reason alone.
std::map<std::string, std::vector<std::string>> plan_details(const PreflightReport& r) {
  std::map<std::string, std::vector<std::string>> details;
  uint64_t database_bytes = 0;
  for (const DatabaseReport& db : r.databases) database_bytes += db.bytes;
  const bool lock_tables = std::any_of(r.databases.begin(), r.databases.end(),
                                       [](const DatabaseReport& db) { return db.dump_method == "LOCK TABLES"; });
  details["pre-snapshot-databases"].push_back(
      fmt::format("pre-snapshot: full dump of {} ({} of tables; the site's reads and writes go on, {})",
                  r.databases.size() == 1   ? std::string("the database")
                  : r.databases.size() == 2 ? std::string("both databases")
                                            : fmt::format("the {} databases", r.databases.size()),
                  megabytes(database_bytes), lock_tables ? "writes wait a moment for LOCK TABLES" : "only DDL waits"));
  if (r.maintenance_mode.value_or(false)) details["maintenance-on"].push_back("maintenance mode is already on");
  details["snapshot-databases"].push_back(
      "wait for the site's open transactions (--quiesce-timeout), dump only the tables changed since the "
      "pre-snapshot");
  details["frontpage-off"].push_back(
      r.frontpage_is_civicrm
          ? fmt::format("front page '{}' is a CiviCRM page: moved to 'user' for the upgrade", *r.frontpage)
          : fmt::format("front page '{}': left alone", r.frontpage.value_or("?")));
  details["disable-integrations"].push_back(
      fmt::format("disable integration modules: {}",
                  r.integration_modules.empty() ? std::string("none") : joined(r.integration_modules)));
  details["swap-code"].push_back(
      fmt::format("swap modules/civicrm {} -> {}", or_unknown(r.code_version), or_unknown(r.release_version)));
  details["upgrade-database"].push_back(
      fmt::format("upgrade the database: {}",
                  r.db_upgrade_command.empty() ? std::string("(no command)") : joined(r.db_upgrade_command, " ")));
  if (r.upgrader.is_object() && r.upgrader.contains("reason")) {
    details["upgrade-database"].push_back(fmt::format("  ({})", r.upgrader["reason"].get<std::string>()));
  }
  return details;
}

// The plan: every phase of the upgrade in order with why it is there (the
// phase table's reasons, given as data), grouped by whether the site is up,
// and under each the facts of this site it acts on.  maintenance-on and
// maintenance-off bound the window.
std::string plan_text(const PreflightReport& r) {
  std::map<std::string, std::vector<std::string>> details = plan_details(r);
  size_t width = 0;
  for (const PlannedPhase& phase : r.plan_phases) width = std::max(width, phase.name.size());
  std::string out = fmt::format("\nplan (the {} phases of the upgrade, docs/transaction.md):\n", r.plan_phases.size());
  out += "  online, the site up:\n";
  bool window_over = false;
  for (const PlannedPhase& phase : r.plan_phases) {
    if (phase.name == "maintenance-on") {
      out +=
          "  in the maintenance window (the upgrader's own time plus a few seconds, whatever the database size; "
          "civiup rehearse measures it):\n";
    } else if (window_over) {
      out += "  after the window:\n";
      window_over = false;
    }
    out += fmt::format("    {:<{}}  {}\n", phase.name, width, phase.why);
    for (const std::string& line : details[phase.name]) out += fmt::format("    {:<{}}  {}\n", "", width, line);
    window_over = phase.name == "maintenance-off";
  }
  return out;
}

}  // namespace

std::string preflight_text(const PreflightReport& r) {
  std::string out = fmt::format("civiup check: {}\n\n", r.root.string());
  out += fmt::format("  code version      {}\n", or_unknown(r.code_version));
  out += fmt::format("  database version  {}\n", or_unknown(r.db_version));
  out += fmt::format("  release           {}", or_unknown(r.release_version));
  if (r.release_version) out += fmt::format(" ({} files, {} unpacked)", r.release_files, megabytes(r.release_bytes));
  out += "\n";
  for (const DatabaseReport& db : r.databases) {
    std::string privileges = !db.privilege_problems.empty() ? "privileges NOT ok (see problems)"
                             : db.dump_method.empty()       ? "privileges ok"
                                                            : "privileges ok, dumps by " + db.dump_method;
    out += fmt::format("  {:<17} {}: {}\n", db.role + " db", db.dsn,
                       db.reachable ? fmt::format("reachable, {}, {}", privileges, megabytes(db.bytes))
                                    : std::string("NOT reachable"));
  }
  const StateDirReport& s = r.state_dir;
  out += fmt::format("  state directory   {}{}\n", s.path.string(), s.exists ? "" : " (created by the upgrade)");
  out += fmt::format(
      "                    outside web root: {}, outside modules/: {}, same filesystem: {}, "
      "RENAME_EXCHANGE: {}\n",
      yes_no(s.outside_web_root), yes_no(s.outside_modules), yes_no(s.same_filesystem),
      s.exchange_supported ? yes_no(*s.exchange_supported) : "not probed");
  out +=
      fmt::format("                    {} free, about {} needed\n", megabytes(s.free_bytes), megabytes(s.needed_bytes));
  if (s.trash_bytes > 0) {
    out += fmt::format("                    trash: {} {}\n", megabytes(s.trash_bytes),
                       s.trash_deleter_pid ? fmt::format("being deleted (pid {})", *s.trash_deleter_pid)
                                           : std::string("left over; deleted by the next run"));
  }
  out += fmt::format("  files directory   {} ({})\n", r.files_dir.string(),
                     r.files_writable ? "writable" : "NOT writable");
  if (r.extensions_dir) {
    out += fmt::format("  extensions        {} ({}: {}){}\n", r.extensions_dir->string(), r.extensions_dir_source,
                       r.extensions_dir_setting, r.extensions_dir_in_snapshot ? "" : ", NOT in the code snapshots");
    for (const ExtensionReport& e : r.extensions) {
      std::string what =
          e.upgrade_action == "none" ? std::string() : fmt::format("  <- the upgrade will {}", e.upgrade_action);
      out += fmt::format("                    {} ({}){}\n", e.key,
                         e.location == "missing"   ? std::string("directory not found")
                         : e.location == "release" ? "in the release"
                                                   : e.path,
                         what);
    }
    if (r.extensions.empty()) out += "                    (none enabled)\n";
  }
  std::vector<std::string> tools;
  for (const auto& [name, path] : r.tools) tools.push_back(fmt::format("{} {}", name, path ? path->string() : "-"));
  out += fmt::format("  tools             {}\n", joined(tools));

  out += plan_text(r);

  for (const std::string& note : r.notes) out += fmt::format("\nnote: {}", note);
  if (!r.notes.empty()) out += "\n";
  if (r.ready()) {
    out += "\nready: the upgrade can proceed\n";
  } else {
    out += fmt::format("\nNOT ready, {} problem{}:\n", r.problems.size(), r.problems.size() == 1 ? "" : "s");
    for (const std::string& problem : r.problems) out += fmt::format("  - {}\n", problem);
  }
  return out;
}

nlohmann::json preflight_json(const PreflightReport& r) {
  nlohmann::json databases = nlohmann::json::array();
  for (const DatabaseReport& db : r.databases) {
    databases.push_back({{"role", db.role},
                         {"roles", db.roles},
                         {"name", db.name},
                         {"host", db.host},
                         {"size", db.bytes},
                         {"dsn", db.dsn},
                         {"reachable", db.reachable},
                         {"missing_privileges", db.missing_privileges},
                         {"privilege_problems", db.privilege_problems},
                         {"dump_method", db.dump_method.empty() ? nlohmann::json() : nlohmann::json(db.dump_method)},
                         {"bytes", db.bytes}});
  }
  nlohmann::json tools = nlohmann::json::object();
  for (const auto& [name, path] : r.tools) tools[name] = path ? nlohmann::json(path->string()) : nlohmann::json();
  nlohmann::json extensions = nlohmann::json::array();
  for (const ExtensionReport& e : r.extensions) {
    extensions.push_back({{"key", e.key},
                          {"path", e.path.empty() ? nlohmann::json() : nlohmann::json(e.path)},
                          {"location", e.location},
                          {"upgrade_action", e.upgrade_action},
                          {"obsolete", e.obsolete.empty() ? nlohmann::json() : nlohmann::json(e.obsolete)}});
  }
  const StateDirReport& s = r.state_dir;
  return {
      {"extensions", extensions},
      {"extensions_dir", r.extensions_dir
                             ? nlohmann::json({{"path", r.extensions_dir->string()},
                                               {"setting", r.extensions_dir_setting},
                                               {"source", r.extensions_dir_source},
                                               {"in_code_snapshot", r.extensions_dir_in_snapshot},
                                               {"release_has_compatibility_file", r.release_has_compatibility}})
                             : nlohmann::json()},
      {"ready", r.ready()},
      {"problems", r.problems},
      {"notes", r.notes},
      {"root", r.root.string()},
      {"code_version", optional_json(r.code_version)},
      {"db_version", optional_json(r.db_version)},
      {"release_version", optional_json(r.release_version)},
      {"databases", databases},
      {"integration_modules", r.integration_modules},
      {"frontpage", optional_json(r.frontpage)},
      {"frontpage_is_civicrm", r.frontpage_is_civicrm},
      {"maintenance_mode", r.maintenance_mode ? nlohmann::json(*r.maintenance_mode) : nlohmann::json()},
      {"state_dir",
       {{"path", s.path.string()},
        {"exists", s.exists},
        {"outside_web_root", s.outside_web_root},
        {"outside_modules", s.outside_modules},
        {"same_filesystem", s.same_filesystem},
        {"exchange_supported", s.exchange_supported ? nlohmann::json(*s.exchange_supported) : nlohmann::json()},
        {"free_bytes", s.free_bytes},
        {"needed_bytes", s.needed_bytes},
        {"trash_bytes", s.trash_bytes},
        {"trash_deleter_pid", s.trash_deleter_pid ? nlohmann::json(*s.trash_deleter_pid) : nlohmann::json()}}},
      {"duplicate_civicrm",
       [&] {
         std::vector<std::string> paths;
         for (const auto& path : r.duplicate_civicrm) paths.push_back(path.string());
         return paths;
       }()},
      {"files_dir", r.files_dir.string()},
      {"files_writable", r.files_writable},
      {"tools", tools},
      {"db_upgrade_command", r.db_upgrade_command},
      {"upgrader", r.upgrader},
      {"phases",
       [&] {
         std::vector<std::string> names;
         for (const PlannedPhase& phase : r.plan_phases) names.push_back(phase.name);
         return names;
       }()},
  };
}

}  // namespace civiup
