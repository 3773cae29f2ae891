// civiup status: versions, the journal's state and the next action, the
// snapshots, the state directory's disk use.  Read-only, and usable on a
// broken site: every part that cannot be read says why instead of failing.
#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/cli/command_support.hpp"
#include "civiup/cli/reply.hpp"
#include "civiup/cli/transaction_commands.hpp"
#include "civiup/release/release_available.hpp"
#include "civiup/site/database_session.hpp"
#include "civiup/site/site.hpp"
#include "civiup/system/paths.hpp"
#include "civiup/transaction/journal.hpp"
#include "civiup/transaction/state_trash.hpp"
#include "civiup/upgrade/site_snapshots.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {
namespace {
namespace fs = std::filesystem;

template <typename Body>
nlohmann::json or_error(Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return {{"error", e.what()}};
  }
}

std::string next_action(const JournalRecord& record) {
  switch (record.outcome) {
    case JournalOutcome::kCommitted:
    case JournalOutcome::kRolledBack:
      return "none";
    case JournalOutcome::kRollbackFailed: {
      std::string phase;
      for (const JournalPhase& p : record.phases) {
        if (p.state == PhaseState::kUndoing) phase = p.name;
      }
      return fmt::format("undoing phase {} failed: fix its cause ({}), then run `civiup recover`",
                         phase.empty() ? "?" : phase, record.error);
    }
    default:
      return record.past_commit_point() ? "run `civiup recover` to finish the run (it rolls forward)"
                                        : "run `civiup recover` to roll the interrupted run back";
  }
}

nlohmann::json journal_json(const fs::path& state_dir) {
  std::optional<JournalRecord> record = Journal(journal_file(state_dir)).load();
  if (!record) return nullptr;
  nlohmann::json phases = nlohmann::json::array();
  for (const JournalPhase& phase : record->phases) {
    phases.push_back({{"name", phase.name}, {"state", to_string(phase.state)}});
  }
  return {{"transaction", record->transaction},
          {"id", record->id},
          {"state", to_string(record->outcome)},
          {"finished", record->finished()},
          {"error", record->error},
          {"next_action", next_action(*record)},
          {"phases", phases}};
}

nlohmann::json snapshots_json(const fs::path& state_dir) {
  nlohmann::json list = nlohmann::json::array();
  for (const SiteSnapshot& s : list_site_snapshots(state_dir)) {
    list.push_back({{"id", s.id},
                    {"created", s.created},
                    {"kind", s.kind},
                    {"code_version", s.code_version},
                    {"db_version", s.db_version},
                    {"message", s.message}});
  }
  return list;
}

}  // namespace

void define_status_options(cxxopts::Options& options) { add_availability_options(options, true); }

ExitCode status_command(const CommandContext& context) {
  cxxopts::Options options("civiup status");
  define_status_options(options);
  cxxopts::ParseResult parsed = parse_command_options(options, context.args);
  const fs::path& root = context.site().root;
  const fs::path& state_dir = context.site().state_dir;

  nlohmann::json code = or_error([&] { return nlohmann::json(read_code_version(root / "modules" / "civicrm").str()); });
  nlohmann::json database = or_error([&] {
    auto session = connect_database(read_civicrm_settings(root).dsn);
    return nlohmann::json(read_database_version(*session).str());
  });
  // Every database of the site, as settings name them (no connection needed).
  nlohmann::json databases = or_error([&] {
    nlohmann::json list = nlohmann::json::array();
    for (const SiteDatabase& db : site_databases(read_backdrop_settings(root), read_civicrm_settings(root))) {
      list.push_back({{"role", db.label()}, {"name", db.dsn.database}, {"dsn", db.dsn.redacted()}});
    }
    return list;
  });
  nlohmann::json journal = or_error([&] { return journal_json(state_dir); });
  nlohmann::json snapshots = or_error([&] { return snapshots_json(state_dir); });
  uint64_t used = directory_bytes(state_dir);
  TrashInfo trash = inspect_trash(state_dir);
  nlohmann::json trash_json = {
      {"bytes", trash.bytes},
      {"deleter_pid", trash.deleter_pid ? nlohmann::json(*trash.deleter_pid) : nlohmann::json()}};
  Availability available =
      find_available_release(availability_options_from(parsed), state_dir,
                             code.is_string() ? std::optional(code.get<std::string>()) : std::nullopt);
  bool unfinished = journal.is_object() && journal.contains("finished") && !journal["finished"].get<bool>();

  Reply reply;
  reply.fields = {{"root", root.string()},
                  {"state_dir", state_dir.string()},
                  {"code_version", code},
                  {"db_version", database},
                  {"databases", databases},
                  {"journal", journal},
                  {"snapshots", snapshots},
                  {"state_dir_bytes", used},
                  {"trash", trash_json},
                  {"available", availability_json(available)},
                  {"available_status", availability_text(available)}};
  auto text = [](const nlohmann::json& value) {
    return value.is_string() ? value.get<std::string>() : "unknown (" + value.value("error", "?") + ")";
  };
  std::string& out = reply.summary;
  out += fmt::format("site:       {}\nstate dir:  {} ({:.1f} MB)\ncode:       CiviCRM {}\ndatabase:   {}\n",
                     root.string(), state_dir.string(), static_cast<double>(used) / 1e6, text(code), text(database));
  out += fmt::format("available:  {}\n", availability_text(available));
  if (databases.is_array()) {
    for (const auto& db : databases) {
      out += fmt::format("{:<11} {}\n", db["role"].get<std::string>() + " db:", db["dsn"].get<std::string>());
    }
  }
  if (trash.bytes > 0 || trash.deleter_pid) {
    out += fmt::format("trash:      {:.1f} MB {}\n", static_cast<double>(trash.bytes) / 1e6,
                       trash.deleter_pid ? fmt::format("being deleted in the background (pid {})", *trash.deleter_pid)
                                         : std::string("left over (the next upgrade, rollback or prune deletes it)"));
  }
  if (journal.is_null()) {
    out += "journal:    none (no run yet)\n";
  } else if (journal.contains("state")) {
    out += fmt::format("journal:    {} {} {}{}\nnext:       {}\n", journal["transaction"].get<std::string>(),
                       journal["id"].get<std::string>(), journal["state"].get<std::string>(),
                       unfinished ? " (UNFINISHED)" : "", journal["next_action"].get<std::string>());
  } else {
    out += "journal:    unreadable: " + journal.value("error", "?") + "\n";
  }
  if (snapshots.is_array()) {
    out += fmt::format("snapshots:  {}\n", snapshots.size());
    for (const auto& s : snapshots) {
      out += fmt::format("  {}  {:<12} code {:<8} db {:<8} {}\n", s["id"].get<std::string>().substr(0, 12),
                         s["kind"].get<std::string>(), s["code_version"].get<std::string>(),
                         s["db_version"].get<std::string>(), s["message"].get<std::string>());
    }
  }
  return reply.print(context.global);
}

}  // namespace civiup
