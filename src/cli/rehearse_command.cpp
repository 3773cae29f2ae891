// civiup rehearse: copy the site (code, every database under new names),
// point the copy at itself, run the same upgrade on the copy, and report how
// long each phase took and how long production would be offline.  Production
// is only read.  The copy is kept for inspection; --cleanup removes it (after
// a successful rehearsal, or alone: `civiup rehearse --cleanup --to-root DIR`).
//
// Exit codes: 0 the rehearsed upgrade succeeded; 1 it failed (or the copy
// could not be made: what was made is removed); 2 refused before anything was
// made, or the upgrade refused the copy in its preflight; 3 the copy's
// upgrade failed and could not roll back (only the copy is affected).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/cli/command_support.hpp"
#include "civiup/cli/reply.hpp"
#include "civiup/cli/transaction_commands.hpp"
#include "civiup/system/run_log.hpp"
#include "civiup/upgrade/local_changes.hpp"
#include "civiup/upgrade/rehearsal.hpp"

namespace civiup {

void define_rehearse_options(cxxopts::Options& options) {
  add_upgrade_options(options);
  options.add_options()("to-root", "where the copy is made (absent or an empty directory)",
                        cxxopts::value<std::string>(), "COPY")(
      "to-db-prefix", "the copy's databases are PREFIX<original name>", cxxopts::value<std::string>(), "PREFIX")(
      "cleanup", "remove the copy and its databases after a successful rehearsal (alone: remove a kept copy)");
}

namespace {
namespace fs = std::filesystem;

struct RehearseCommand {
  RehearseOptions options;
  bool cleanup = false;
  bool release_given = false;
};

RehearseCommand parse(const CommandContext& context) {
  cxxopts::Options parser("civiup rehearse");
  define_rehearse_options(parser);
  cxxopts::ParseResult parsed = parse_command_options(parser, context.args);
  RehearseCommand command;
  command.cleanup = parsed.count("cleanup") != 0;
  command.release_given = parsed.count("release") + parsed.count("latest") + parsed.count("version") != 0;
  if (parsed.count("to-root") == 0) fail("civiup rehearse: --to-root DIR is required");
  command.options.to_root = parsed["to-root"].as<std::string>();
  if (!command.release_given && command.cleanup) return command;  // removing a kept copy
  command.options.upgrade = upgrade_options_from(parsed, context, "civiup rehearse");
  if (parsed.count("to-db-prefix") == 0) fail("civiup rehearse: --to-db-prefix NAME is required");
  command.options.db_prefix = parsed["to-db-prefix"].as<std::string>();
  return command;
}

ExitCode cleanup_only(const GlobalOptions& global, const fs::path& to_root) {
  RemovedCopy removed = remove_rehearsal_copy(to_root);
  Reply reply;
  reply.fields = {{"command", "rehearse"},
                  {"to_root", removed.to_root.string()},
                  {"cleaned_up", true},
                  {"dropped_databases", removed.dropped_databases}};
  if (!global.quiet) {
    reply.summary = fmt::format("removed the rehearsal copy {} and its databases {}\n", removed.to_root.string(),
                                fmt::join(removed.dropped_databases, ", "));
  }
  return reply.print(global);
}

struct RehearsalReport {
  std::vector<PhaseReport> copy_steps;
  std::optional<UpgradeRun> run;
  std::optional<UpgradeOutcome> outcome;
  std::string error;
  ExitCode code = ExitCode::kSuccess;
  fs::path rehearse_log;
  bool cleaned_up = false;
  LocalChanges production_changes;
};

nlohmann::json databases_json(const RehearsalPlan& plan) {
  nlohmann::json list = nlohmann::json::array();
  for (const RehearsalDatabase& database : plan.databases) {
    list.push_back({{"role", database.role}, {"from", database.from}, {"to", database.to}});
  }
  return list;
}

ExitCode print_report(const GlobalOptions& global, const RehearsalPlan& plan, const RehearsalReport& report) {
  const UpgradeOutcome* outcome = report.outcome ? &*report.outcome : nullptr;
  std::vector<PhaseReport> phases = outcome != nullptr ? outcome->result.phases : std::vector<PhaseReport>{};
  double window = maintenance_seconds(phases);
  std::string log = outcome != nullptr ? outcome->log_file.string() : report.rehearse_log.string();
  bool kept = !report.cleaned_up && fs::exists(plan.to_root);
  Reply reply{report.code, report.error};
  reply.fields = {
      {"command", "rehearse"},
      {"outcome", outcome != nullptr ? to_string(outcome->result.outcome) : "not-run"},
      {"phases", phases_json(phases)},
      {"maintenance_seconds", window},
      {"predicted_maintenance_seconds", window},
      {"copy_steps", phases_json(report.copy_steps)},
      {"snapshot",
       {{"id",
         outcome != nullptr && !outcome->snapshot.empty() ? nlohmann::json(outcome->snapshot) : nlohmann::json()}}},
      {"to_root", plan.to_root.string()},
      {"to_state_dir", plan.state_dir.string()},
      {"databases", databases_json(plan)},
      {"from_version", plan.site.code_version.str()},
      {"to_version", report.run ? nlohmann::json(report.run->to_version) : nlohmann::json()},
      {"log", log.empty() ? nlohmann::json() : nlohmann::json(log)},
      {"rehearse_log", report.rehearse_log.string()},
      {"kept", kept},
      {"cleaned_up", report.cleaned_up},
      {"production_local_changes", report.production_changes.changes.size()},
  };
  std::string& text = reply.summary;
  if (!report.copy_steps.empty() && !global.quiet) text += "making the copy:\n" + phases_text(report.copy_steps);
  if (!phases.empty() && !global.quiet) text += "upgrading the copy:\n" + phases_text(phases);
  if (report.code == ExitCode::kSuccess) {
    text += fmt::format("rehearsal passed: CiviCRM {} to {} on the copy {}\n", plan.site.code_version.str(),
                        report.run->to_version, plan.to_root.string());
    text += fmt::format("predicted maintenance window for production: {:.1f} s\n", window);
  } else {
    text += fmt::format("rehearsal FAILED: {}\n", report.error);
  }
  if (!report.production_changes.changes.empty()) {
    text += fmt::format("warning: production's {}: its upgrade will refuse them without --discard-local-changes\n",
                        describe_local_changes(report.production_changes));
  }
  if (kept) {
    std::vector<std::string> names;
    for (const RehearsalDatabase& database : plan.databases) names.push_back(database.to);
    text += fmt::format("copy kept: {} (databases {}); remove it with: civiup rehearse --cleanup --to-root {}\n",
                        plan.to_root.string(), fmt::join(names, ", "), plan.to_root.string());
  } else if (report.cleaned_up) {
    text += fmt::format("copy removed: {}\n", plan.to_root.string());
  }
  if (!log.empty() && fs::exists(log)) text += fmt::format("log: {}\n", log);
  return reply.print(global);
}

// The copy's upgrade, as production's would run; any refusal is a finding (exit 2).
void rehearse_upgrade(const RehearseOptions& options, const RehearsalPlan& plan, RehearsalReport& report) {
  UpgradeOptions copy = options.upgrade;
  copy.root = plan.to_root;
  copy.cwd = plan.to_root;
  copy.state_dir = plan.state_dir;
  // Without --url the copy's settings still name production's URL: checking
  // it would check production, not the copy.
  if (copy.health_url.empty()) copy.no_health_check = true;
  try {
    require_preflight(copy);
    report.run = plan_upgrade(copy);
  } catch (const std::exception& e) {
    report.error = fmt::format("the upgrade refused the copy: {}", e.what());
    report.code = ExitCode::kRefused;
    return;
  }
  report.outcome = run_transaction(*report.run);
  report.code = exit_code_of(report.outcome->result);
  report.error = report.outcome->result.error;
  if (!report.outcome->result.undo_error.empty()) report.error += "; " + report.outcome->result.undo_error;
}

}  // namespace

ExitCode rehearse_command(const CommandContext& context) {
  RehearseCommand command = parse(context);
  if (!command.release_given) return cleanup_only(context.global, command.options.to_root);
  RehearsalPlan plan = plan_rehearsal(command.options);  // every refusal: exit 2, nothing made
  RehearsalReport report;
  try {
    report.production_changes = find_local_changes(context.site().root, context.site().state_dir);
  } catch (const std::exception& e) {
    spdlog::warn("production's local changes not checked: {}", e.what());
  }
  install_interrupt_handlers();
  begin_rehearsal_copy(plan);
  std::string id = new_run_id();
  {
    RunLog log(logs_dir(plan.state_dir) / (id + "-rehearse.log"));
    report.rehearse_log = log.file();
    spdlog::info("rehearse: copying {} to {} (databases {})", plan.site.root.string(), plan.to_root.string(),
                 databases_json(plan).dump());
    try {
      make_rehearsal_copy(plan, report.copy_steps);
    } catch (const std::exception& e) {
      report.error = fmt::format("making the copy: {}", e.what());
      report.code = ExitCode::kRolledBack;  // what was made is removed; production was only read
      report.rehearse_log.clear();
      return print_report(context.global, plan, report);
    }
    rehearse_upgrade(command.options, plan, report);
    spdlog::info("rehearse: {}", report.code == ExitCode::kSuccess ? "passed" : "failed: " + report.error);
  }
  if (command.cleanup && report.code == ExitCode::kSuccess) {
    remove_rehearsal_copy(plan.to_root);
    report.cleaned_up = true;
    report.outcome->log_file.clear();
    report.rehearse_log.clear();
  }
  return print_report(context.global, plan, report);
}

}  // namespace civiup
