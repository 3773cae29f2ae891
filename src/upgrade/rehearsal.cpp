#include "civiup/upgrade/rehearsal.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <initializer_list>
#include <optional>
#include <set>
#include <sstream>

#include <spdlog/spdlog.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/private_files.hpp"
#include "civiup/release/release.hpp"
#include "civiup/site/database_privileges.hpp"
#include "civiup/site/database_session.hpp"
#include "civiup/snapshot/code/code_repository.hpp"
#include "civiup/snapshot/db/database_dump.hpp"
#include "civiup/snapshot/db/database_restore.hpp"
#include "civiup/system/paths.hpp"
#include "civiup/system/terminal_progress.hpp"
#include "civiup/transaction/state_lock.hpp"
#include "civiup/transaction/state_trash.hpp"
#include "civiup/upgrade/upgrade_world.hpp"
#include "civiup/version.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

fs::path real(const fs::path& path) { return fs::weakly_canonical(fs::absolute(path)); }

void require_absent_or_empty(const fs::path& dir, std::string_view what) {
  std::error_code error;
  if (!fs::exists(fs::symlink_status(dir, error))) return;
  if (!fs::is_directory(fs::symlink_status(dir, error)) || !fs::is_empty(dir, error)) {
    fail(
        "{} {}: exists and is not an empty directory (rehearse never writes over anything; remove it, or "
        "`civiup rehearse --cleanup --to-root` a previous copy)",
        what, dir.string());
  }
}

// A DSN that reaches the server but no particular database.
DatabaseDsn server_of(DatabaseDsn dsn) {
  dsn.database = "information_schema";
  return dsn;
}

bool database_exists(const DatabaseDsn& dsn, const std::string& name) {
  std::unique_ptr<DatabaseSession> session = connect_database(server_of(dsn));
  return session->query_scalar("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?", {name})
             .value_or("0") != "0";
}

std::string quote_identifier(const std::string& name) {
  std::string quoted = "`";
  for (char c : name) quoted += c == '`' ? std::string("``") : std::string(1, c);
  return quoted + "`";
}

// The copy's databases are new: the DSN's user must be allowed to create them
// and to do on them all that an upgrade does.  The CiviCRM installer and hosting
// panels grant ALL on the site's own databases only, so this usually takes a
// pattern grant for the prefix, e.g. GRANT ALL ON `stg\_%`.* (docs/rehearse.md).
void require_copy_privileges(const RehearsalDatabase& database, const std::string& prefix) {
  DatabaseDsn copy = database.dsn;
  copy.database = database.to;
  DatabasePrivilegeCheck check = check_database_privileges(copy, "copy database");
  if (check.missing.empty()) return;
  std::string pattern;
  for (char c : prefix) pattern += c == '_' ? std::string("\\_") : std::string(1, c);
  auto at = check.user.rfind('@');
  std::string account = at == std::string::npos
                            ? "'" + check.user + "'"
                            : fmt::format("'{}'@'{}'", check.user.substr(0, at), check.user.substr(at + 1));
  fail(
      "--to-db-prefix {}: user {} cannot create and upgrade the copy database {}: lacks {} on it; fix: GRANT ALL ON "
      "`{}%`.* TO {} (what a hosting panel grants for a prefix), or choose a prefix the user has such a grant for",
      prefix, check.user, database.to, fmt::join(check.missing, ", "), pattern, account);
}

template <typename Body>
void timed_step(std::vector<PhaseReport>& steps, const std::string& name, Body&& body) {
  auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  try {
    with_context(name, body);
  } catch (...) {
    steps.push_back({name, "failed", seconds()});
    throw;
  }
  steps.push_back({name, "done", seconds()});
  spdlog::info("{}: {:.1f} s", name, steps.back().seconds);
}

nlohmann::json load_marker(const fs::path& state_dir) {
  fs::path file = rehearsal_marker(state_dir);
  std::error_code error;
  if (!fs::exists(file, error)) return nullptr;
  try {
    return nlohmann::json::parse(read_file(file));
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not readable JSON: {}", file.string(), e.what());
  }
}

void save_marker(const fs::path& state_dir, const nlohmann::json& marker) {
  write_file_durably(rehearsal_marker(state_dir), marker.dump(2) + "\n", 0600);
}

// The copy's code: one snapshot of the whole production root (compiled
// templates left out: rebuilt on demand) into the copy's own repository, then
// restored into the new root.  Production's state directory is not touched.
std::string copy_code(const RehearsalPlan& plan) {
  const Site& site = plan.site;
  snapshot::CodeRepository repository = snapshot::CodeRepository::open(plan.state_dir / "code.git");
  snapshot::CodeSnapshotSpec spec;
  spec.root = site.root;
  for (const fs::directory_entry& entry : fs::directory_iterator(site.root)) {
    spec.paths.push_back(entry.path().filename().string());
  }
  std::sort(spec.paths.begin(), spec.paths.end());
  fs::path compiled = site.civicrm.template_compile_dir.lexically_normal().lexically_relative(site.root);
  std::string compiled_relative = compiled.generic_string();
  while (compiled_relative.ends_with('/')) compiled_relative.pop_back();
  spec.exclude = {compiled_relative};
  spec.message = fmt::format("rehearsal copy of {}", site.root.string());
  spec.labels = {{"kind", "rehearsal-copy"}, {"code_version", site.code_version.str()}};
  spec.tool_version = kVersion;
  spec.durable = false;  // a copy for a rehearsal need not survive a power cut
  PhaseProgress progress("copy-code");
  spec.progress = &progress;
  snapshot::CodeSnapshotResult result = repository.snapshot(spec);
  spdlog::info("code snapshot {} of {} ({} entries, {} bytes hashed)", result.info.id, site.root.string(),
               result.entries, result.bytes_hashed);
  fs::create_directories(plan.to_root.parent_path());
  snapshot::RestoreOptions restore;
  restore.apply_owners = ::geteuid() == 0;
  restore.sync = false;
  restore.progress = &progress;
  repository.restore(result.info.id, plan.to_root, restore);

  // The compiled templates directory itself must exist (empty), with its mode and owner.
  fs::path copy_compiled = plan.to_root / compiled;
  fs::create_directories(copy_compiled);
  struct stat original {};
  if (::stat(site.civicrm.template_compile_dir.c_str(), &original) == 0) {
    ::chmod(copy_compiled.c_str(), original.st_mode & 07777);
    if (::geteuid() == 0 && ::chown(copy_compiled.c_str(), original.st_uid, original.st_gid) != 0) {
      fail_errno(fmt::format("chown {}", copy_compiled.string()));
    }
  }
  spdlog::info("restored the code into {}", plan.to_root.string());
  return result.info.id;
}

void repoint_logging_triggers(const RehearsalPlan& plan);

// Each database: recorded in the marker before it can exist, dumped from
// production (online, all at one consistent point, as production's upgrade
// dumps them) and restored in full under its new name.
void copy_databases(const RehearsalPlan& plan, nlohmann::json& marker) {
  std::vector<snapshot::db::DumpTarget> targets;
  for (const RehearsalDatabase& database : plan.databases) {
    marker["databases"].push_back({{"role", database.role}, {"from", database.from}, {"to", database.to}});
    save_marker(plan.state_dir, marker);
    fs::path dump = plan.state_dir / "dumps" / "rehearsal-copy" / database.role;
    // Owner-only whatever the umask: the dump holds the production data.
    for (const fs::path& dir : {dump.parent_path().parent_path(), dump.parent_path()}) make_private_directory(dir);
    targets.push_back({database_login(database.dsn), database.from, dump, {}});
  }
  PhaseProgress progress("copy-databases");
  snapshot::db::DumpOptions dump_options;
  dump_options.progress = &progress;
  std::vector<snapshot::db::DumpManifest> manifests = snapshot::db::dump_databases(targets, dump_options);
  if (!manifests.empty()) spdlog::info("consistent point: {}", manifests.front().consistency);
  for (size_t i = 0; i < targets.size(); ++i) {
    const RehearsalDatabase& database = plan.databases[i];
    snapshot::db::RestoreOptions restore_options;
    restore_options.progress = &progress;
    snapshot::db::RestoreReport report =
        snapshot::db::restore_database(targets[i].login, database.to, targets[i].dir, restore_options);
    spdlog::info("copied database {} to {} ({} tables, {} bytes of SQL; dump {:.1f} s, restore {:.1f} s)",
                 database.from, database.to, manifests[i].tables.size(), report.sql_bytes, manifests[i].seconds,
                 report.seconds);
    std::error_code error;
    fs::remove_all(targets[i].dir, error);  // personal data, and the copy's upgrade dumps again
  }
  std::error_code error;
  fs::remove_all(plan.state_dir / "dumps", error);
  repoint_logging_triggers(plan);
}

// `text` with every reference to database `from` as a qualifier (`from`.x or
// from.x) naming `to` instead.
std::string with_database_renamed(const std::string& text, const std::string& from, const std::string& to) {
  std::string out;
  auto identifier = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '$'; };
  for (size_t i = 0; i < text.size();) {
    const std::string quoted = "`" + from + "`.";
    if (text.compare(i, quoted.size(), quoted) == 0) {
      out += "`" + to + "`.";
      i += quoted.size();
    } else if (text.compare(i, from.size() + 1, from + ".") == 0 && (i == 0 || !identifier(text[i - 1])) &&
               (i == 0 || text[i - 1] != '`')) {
      out += to + ".";
      i += from.size() + 1;
    } else {
      out += text[i++];
    }
  }
  return out;
}

// CiviCRM's logging triggers name the logging database in their bodies
// (INSERT INTO `<logging db>`.log_civicrm_x): in the copy they would write into
// production's.  Each trigger that does is recreated naming the copy's (with
// its definer, sql_mode and place in the action order).
void repoint_logging_triggers(const RehearsalPlan& plan) {
  const RehearsalDatabase* civicrm = nullptr;
  const RehearsalDatabase* logging = nullptr;
  for (const RehearsalDatabase& database : plan.databases) {
    if (database.role == "civicrm") civicrm = &database;
    if (database.role == "logging") logging = &database;
  }
  if (civicrm == nullptr || logging == nullptr) return;
  DatabaseDsn dsn = civicrm->dsn;
  dsn.database = civicrm->to;
  std::unique_ptr<DatabaseSession> session = connect_database(dsn);
  session->execute("SET SESSION group_concat_max_len = 1073741824");
  // Whole groups (table, timing, event) in action order, so recreating keeps the order.
  auto names = session->query_scalar(
      "SELECT GROUP_CONCAT(TRIGGER_NAME ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER "
      "SEPARATOR '\n') FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND "
      "CONCAT(EVENT_OBJECT_TABLE, "
      "ACTION_TIMING, EVENT_MANIPULATION) IN (SELECT CONCAT(EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION) "
      "FROM "
      "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND LOCATE(?, ACTION_STATEMENT) > 0)",
      {logging->from});
  if (!names) return;
  std::vector<std::pair<std::string, std::string>> triggers;  // name, sql_mode + CREATE
  std::istringstream lines(*names);
  for (std::string name; std::getline(lines, name);) {
    auto field = [&](const std::string& expression) {
      return session
          ->query_scalar("SELECT " + expression +
                             " FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = "
                             "DATABASE() AND TRIGGER_NAME = ?",
                         {name})
          .value_or("");
    };
    std::string head = field(
        "CONCAT(ACTION_TIMING, ' ', EVENT_MANIPULATION, ' ON `', REPLACE(EVENT_OBJECT_TABLE, '`', "
        "'``'), '` FOR EACH ROW ')");
    std::string definer = field(
        "CONCAT(QUOTE(SUBSTRING_INDEX(DEFINER, '@', 1)), '@', QUOTE(SUBSTRING_INDEX(DEFINER, "
        "'@', -1)))");
    std::string body = field("ACTION_STATEMENT");
    triggers.emplace_back(name, field("SQL_MODE"));
    triggers.back().second += '\n' + fmt::format("CREATE DEFINER={} TRIGGER {} {}{}", definer, quote_identifier(name),
                                                 head, with_database_renamed(body, logging->from, logging->to));
  }
  for (const auto& [name, mode_and_create] : triggers) {
    session->execute("DROP TRIGGER IF EXISTS " + quote_identifier(name));
  }
  for (const auto& [name, mode_and_create] : triggers) {
    size_t newline = mode_and_create.find('\n');
    std::string mode = mode_and_create.substr(0, newline);  // names and commas only
    std::erase_if(mode,
                  [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != ','; });
    session->execute("SET SESSION sql_mode = '" + mode + "'");
    session->execute(mode_and_create.substr(newline + 1));
  }
  spdlog::info("{} triggers of {} now write into {}, not {}", triggers.size(), civicrm->to, logging->to, logging->from);
}

std::string copy_name(const RehearsalPlan& plan, const std::string& production) {
  for (const RehearsalDatabase& database : plan.databases) {
    if (database.from == production) return database.to;
  }
  return production;
}

// The copy's settings point at the copy: read back as civiup reads any site,
// every database and path must name the copy.
void rewrite_settings(const RehearsalPlan& plan) {
  for (const char* name : {"settings.php", "settings.local.php", "civicrm.settings.php"}) {
    fs::path file = plan.to_root / name;
    std::error_code error;
    if (!fs::exists(file, error)) continue;
    int replaced = rewrite_settings_file(file, plan.rewrite);
    spdlog::info("{}: {} values rewritten for the copy", file.string(), replaced);
  }
  Site copy = discover_site(plan.to_root);
  auto require_database = [&](const std::string& what, const DatabaseDsn& dsn, const std::string& original) {
    std::string wanted = copy_name(plan, original);
    if (dsn.database != wanted) {
      fail("the copy's {} names database {}, not {}: it could not be rewritten (is it computed at run time?)", what,
           dsn.database, wanted);
    }
  };
  require_database("settings.php", copy.backdrop.database, plan.site.backdrop.database.database);
  require_database("CIVICRM_DSN", copy.civicrm.dsn, plan.site.civicrm.dsn.database);
  require_database("CIVICRM_UF_DSN", copy.civicrm.uf_dsn, plan.site.civicrm.uf_dsn.database);
  if (plan.site.civicrm.logging_dsn) {
    if (!copy.civicrm.logging_dsn) fail("the copy's civicrm.settings.php lost CIVICRM_LOGGING_DSN");
    require_database("CIVICRM_LOGGING_DSN", *copy.civicrm.logging_dsn, plan.site.civicrm.logging_dsn->database);
  }
  auto require_inside = [&](const std::string& what, const fs::path& path) {
    if (!inside_or_same(path, plan.to_root)) {
      fail("the copy's {} is {}, outside the copy: it could not be rewritten", what, path.string());
    }
  };
  if (!copy.backdrop.config_dir.empty()) require_inside("active config directory", copy.backdrop.config_dir);
  require_inside("CIVICRM_TEMPLATE_COMPILEDIR", copy.civicrm.template_compile_dir);
  if (copy.civicrm.civicrm_root && copy.civicrm.civicrm_root->is_absolute()) {
    require_inside("$civicrm_root", *copy.civicrm.civicrm_root);
  }
}

RemovedCopy remove_copy_unlocked(const fs::path& to_root, const fs::path& state_dir, const nlohmann::json& marker) {
  RemovedCopy removed;
  removed.to_root = to_root;
  std::set<std::string> production;
  for (const auto& name : marker.value("production_databases", nlohmann::json::array())) {
    production.insert(name.get<std::string>());
  }
  const nlohmann::json databases = marker.value("databases", nlohmann::json::array());
  if (!databases.empty()) {
    // The copy's own settings hold the login (the marker holds no password).
    BackdropSettings backdrop = read_backdrop_settings(to_root);
    CiviCrmSettings civicrm = read_civicrm_settings(to_root);
    for (const auto& database : databases) {
      std::string name = database.at("to").get<std::string>();
      if (production.contains(name)) {
        spdlog::warn("not dropping {}: it is a production database", name);
        continue;
      }
      const std::string role = database.at("role").get<std::string>();
      DatabaseDsn dsn = civicrm.dsn;  // also for "shared", the role of one shared database before 0.x
      for (const SiteDatabase& site_database : site_databases(backdrop, civicrm)) {
        if (site_database.role() == role) dsn = site_database.dsn;
      }
      connect_database(server_of(dsn))->execute("DROP DATABASE IF EXISTS " + quote_identifier(name));
      removed.dropped_databases.push_back(name);
      spdlog::info("dropped the copy's database {}", name);
    }
  }
  empty_trash(state_dir);  // not while the copy's deleter still works in it
  for (const fs::path& dir : {to_root, state_dir}) {
    std::error_code error;
    fs::remove_all(dir, error);
    if (error) fail("removing {}: {}", dir.string(), error.message());
  }
  spdlog::info("removed the copy {} and its state directory", to_root.string());
  return removed;
}

}  // namespace

fs::path rehearsal_marker(const fs::path& state_dir) { return state_dir / "rehearsal.json"; }

namespace {
// plan_rehearsal's steps, in the order it takes them (defined after it).
void require_copy_apart(const RehearsalPlan& plan, std::initializer_list<fs::path> production_dirs,
                        const fs::path& to_root_option);
void require_release_allowed(const Site& site, const UpgradeOptions& upgrade);
void plan_copy_databases(RehearsalPlan& plan, const std::string& prefix);
void require_changes_inside(const Site& site, const fs::path& root);
}  // namespace

RehearsalPlan plan_rehearsal(const RehearseOptions& options) {
  RehearsalPlan plan;
  const UpgradeOptions& upgrade = options.upgrade;
  fs::path root = find_backdrop_root(upgrade.root, upgrade.cwd);
  plan.site = discover_site(root);
  fs::path production_state = resolve_state_dir(root, upgrade.state_dir);
  refuse_unfinished_journal(production_state);  // a half-done upgrade is no state to rehearse from

  if (options.to_root.empty()) fail("civiup rehearse: --to-root DIR is required");
  plan.to_root = real(options.to_root);
  plan.state_dir = default_state_dir(plan.to_root);
  fs::path real_root = real(root);
  fs::path real_state = real(production_state);
  require_copy_apart(plan, {real_root, real_state}, options.to_root);
  require_release_allowed(plan.site, upgrade);
  plan_copy_databases(plan, options.db_prefix);
  require_changes_inside(plan.site, root);
  plan.rewrite.from_root = root;
  plan.rewrite.to_root = plan.to_root;
  if (!upgrade.health_url.empty()) plan.rewrite.base_url = upgrade.health_url;
  return plan;
}

namespace {

// The copy and its state directory apart from production's root and state
// directory (neither inside the other), and empty.
void require_copy_apart(const RehearsalPlan& plan, std::initializer_list<fs::path> production_dirs,
                        const fs::path& to_root_option) {
  for (const fs::path& production : production_dirs) {
    for (const fs::path& copy : {plan.to_root, plan.state_dir}) {
      if (inside_or_same(copy, production) || inside_or_same(production, copy)) {
        fail("--to-root {}: the copy ({}) and production ({}) must not contain each other", to_root_option.string(),
             copy.string(), production.string());
      }
    }
  }
  require_absent_or_empty(plan.to_root, "--to-root");
  require_absent_or_empty(plan.state_dir, "the copy's state directory");
}

// The release, and whether production may be upgraded to it at all.
void require_release_allowed(const Site& site, const UpgradeOptions& upgrade) {
  ReleaseTarball release = ReleaseTarball::verify(fs::absolute(upgrade.release_file));
  if (upgrade.l10n_file) ReleaseTarball::verify(fs::absolute(*upgrade.l10n_file), TarballKind::kL10n);
  Version database_version = read_database_version(*connect_database(site.civicrm.dsn));
  require_upgrade_allowed(site.code_version, database_version, *release.version(), upgrade.force);
}

// Databases: <prefix><original name>, each new on its server.
void plan_copy_databases(RehearsalPlan& plan, const std::string& prefix) {
  if (prefix.empty())
    fail("civiup rehearse: --to-db-prefix NAME is required (the copy's databases are NAME<original>)");
  for (char c : prefix) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') {
      fail("--to-db-prefix {}: only letters, digits and _ are allowed", prefix);
    }
  }
  const DatabaseDsn& backdrop = plan.site.backdrop.database;
  const DatabaseDsn& civicrm = plan.site.civicrm.dsn;
  std::set<std::string> production_names;
  for (const SiteDatabase& database : site_databases(plan.site.backdrop, plan.site.civicrm)) {
    plan.databases.push_back({database.role(), database.dsn.database, prefix + database.dsn.database, database.dsn});
    production_names.insert(database.dsn.database);
  }
  const std::string& uf = plan.site.civicrm.uf_dsn.database;
  if (uf != backdrop.database && uf != civicrm.database) {
    fail(
        "{}: CIVICRM_UF_DSN names database {}, neither settings.php's nor CIVICRM_DSN's; the copy could not be "
        "pointed at itself",
        plan.site.civicrm.settings_file.string(), uf);
  }
  for (const RehearsalDatabase& database : plan.databases) {
    if (database.to.size() > 64) fail("--to-db-prefix {}: database name {} is longer than 64", prefix, database.to);
    if (production_names.contains(database.to)) {
      fail("--to-db-prefix {}: the copy of {} would be {}, a production database", prefix, database.from, database.to);
    }
    if (database_exists(database.dsn, database.to)) {
      fail("--to-db-prefix {}: database {} exists already on {} (rehearse never writes into an existing database)",
           prefix, database.to, database.dsn.redacted());
    }
    plan.rewrite.databases[database.from] = database.to;
  }
  // Only then the grants: a prefix that would hit production is said as that,
  // whatever the account may do.
  for (const RehearsalDatabase& database : plan.databases) require_copy_privileges(database, prefix);
}

// What the upgrade changes must be inside the root, or the copy would share it with production.
void require_changes_inside(const Site& site, const fs::path& root) {
  if (!site.backdrop.config_dir.empty() && !inside_or_same(site.backdrop.config_dir, root)) {
    fail("{}: the active config directory {} lies outside the site root; the copy would share it with production",
         site.backdrop.settings_file.string(), site.backdrop.config_dir.string());
  }
  if (!inside_or_same(site.civicrm.template_compile_dir, root)) {
    fail("{}: CIVICRM_TEMPLATE_COMPILEDIR {} lies outside the site root; the copy would share it with production",
         site.civicrm.settings_file.string(), site.civicrm.template_compile_dir.string());
  }
}

}  // namespace

void begin_rehearsal_copy(const RehearsalPlan& plan) {
  make_private_directory(plan.state_dir);
  nlohmann::json production = nlohmann::json::array();
  for (const RehearsalDatabase& database : plan.databases) production.push_back(database.from);
  save_marker(plan.state_dir, {{"format", "civiup-rehearsal/1"},
                               {"from_root", plan.site.root.string()},
                               {"to_root", plan.to_root.string()},
                               {"production_databases", production},
                               {"databases", nlohmann::json::array()}});
}

void make_rehearsal_copy(const RehearsalPlan& plan, std::vector<PhaseReport>& steps) {
  nlohmann::json marker = load_marker(plan.state_dir);
  if (marker.is_null()) fail("{}: missing (begin_rehearsal_copy first)", rehearsal_marker(plan.state_dir).string());
  try {
    StateLock lock(plan.state_dir);
    timed_step(steps, "copy-code", [&] {
      marker["snapshot"] = copy_code(plan);
      save_marker(plan.state_dir, marker);
    });
    timed_step(steps, "copy-databases", [&] { copy_databases(plan, marker); });
    timed_step(steps, "rewrite-settings", [&] { rewrite_settings(plan); });
  } catch (const std::exception& e) {
    spdlog::error("making the copy failed: {}; removing what was made", e.what());
    try {
      remove_copy_unlocked(plan.to_root, plan.state_dir, load_marker(plan.state_dir));
    } catch (const std::exception& cleanup) {
      spdlog::error("removing the partial copy: {} (run `civiup rehearse --cleanup --to-root {}`)", cleanup.what(),
                    plan.to_root.string());
    }
    throw;
  }
}

RemovedCopy remove_rehearsal_copy(const fs::path& to_root_option) {
  fs::path to_root = real(to_root_option);
  fs::path state_dir = default_state_dir(to_root);
  nlohmann::json marker = load_marker(state_dir);
  if (marker.is_null()) {
    fail("{}: no {} there: not a copy made by civiup rehearse; nothing removed", to_root.string(),
         rehearsal_marker(state_dir).string());
  }
  if (marker.value("to_root", "") != to_root.string()) {
    fail("{}: the marker names the copy {}; nothing removed", rehearsal_marker(state_dir).string(),
         marker.value("to_root", ""));
  }
  std::optional<StateLock> lock;
  lock.emplace(state_dir);  // not while a rehearsal or the copy's upgrade runs
  RemovedCopy removed = remove_copy_unlocked(to_root, state_dir, marker);
  return removed;
}

}  // namespace civiup
