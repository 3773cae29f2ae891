// civiup upgrade: plan (read-only; refusals exit 2), confirm, run the phases,
// report.  The run's result decides the exit code: 0 upgraded, 1 failed and
// rolled back, 3 failed and not fully rolled back.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/check/preflight.hpp"
#include "civiup/cli/command_support.hpp"
#include "civiup/cli/release_source.hpp"
#include "civiup/cli/reply.hpp"
#include "civiup/cli/transaction_commands.hpp"
#include "civiup/site/site.hpp"
#include "civiup/upgrade/local_changes.hpp"
#include "civiup/upgrade/upgrade.hpp"
#include "upgrade/phases/upgrade_phases.hpp"

namespace civiup {

void add_upgrade_options(cxxopts::Options& options) {
  options.add_options()("release", "civicrm-X.Y.Z-backdrop.tar.gz", cxxopts::value<std::string>(), "FILE")(
      "l10n",
      "civicrm-X.Y.Z-l10n.tar.gz, unpacked over the release (alone, with --latest or --version: the "
      "release's own)",
      cxxopts::value<std::string>(),
      "[FILE]")("db-upgrade", "the DB upgrade command line (default: cv, else drush, else civiup's own PHP runner)",
                cxxopts::value<std::string>(), "CMD")("db-upgrade-timeout", "seconds before the DB upgrade is killed",
                                                      cxxopts::value<int>()->default_value("3600"), "SECONDS")(
      "quiesce-timeout",
      "seconds to wait in the window for the site's open transactions before the database "
      "snapshot",
      cxxopts::value<int>()->default_value("10"),
      "SECONDS")("force", "allow a same-version, downgrade or .upgrade-database run")(
      "discard-local-changes", "upgrade although modules/civicrm was changed since the last upgrade")(
      "bee", "the bee command for Backdrop operations ('none': SQL; default: bee if bee and php are on PATH)",
      cxxopts::value<std::string>(),
      "CMD|none")("url",
                  "the site's base URL: its front page and a CiviCRM page must answer before the commit "
                  "(default: the base URL in the settings, when it answers before the upgrade)",
                  cxxopts::value<std::string>(),
                  "URL")("no-health-check", "no HTTP health check, not even of the base URL in the settings");
  add_release_source_options(options);
}

UpgradeOptions upgrade_options_from(const cxxopts::ParseResult& parsed, const CommandContext& context,
                                    std::string_view command) {
  ReleaseSourceOptions source = with_context(command, [&] { return release_source_options_from(parsed); });
  if (parsed.count("release") == 0 && !source.downloads()) {
    fail("{}: --release FILE, --latest or --version X.Y.Z is required", command);
  }
  UpgradeOptions result;
  if (parsed.count("release") != 0) result.release_file = parsed["release"].as<std::string>();
  if (parsed.count("l10n") != 0 && !source.matching_l10n) result.l10n_file = parsed["l10n"].as<std::string>();
  if (parsed.count("db-upgrade") != 0) result.db_upgrade = parsed["db-upgrade"].as<std::string>();
  result.db_upgrade_timeout_seconds = parsed["db-upgrade-timeout"].as<int>();
  if (result.db_upgrade_timeout_seconds <= 0) fail("{}: --db-upgrade-timeout must be positive", command);
  result.quiesce_timeout_seconds = parsed["quiesce-timeout"].as<int>();
  if (result.quiesce_timeout_seconds < 0) fail("{}: --quiesce-timeout must not be negative", command);
  result.force = parsed.count("force") != 0;
  result.discard_local_changes = parsed.count("discard-local-changes") != 0;
  if (parsed.count("bee") != 0) result.bee = parsed["bee"].as<std::string>();
  if (parsed.count("url") != 0) {
    result.health_url = parsed["url"].as<std::string>();
    if (!result.health_url.starts_with("http://") && !result.health_url.starts_with("https://")) {
      fail("{}: --url {}: not an http:// or https:// URL", command, result.health_url);
    }
  }
  result.no_health_check = parsed.count("no-health-check") != 0;
  if (result.no_health_check && !result.health_url.empty()) {
    fail("{}: --url and --no-health-check contradict each other", command);
  }
  result.root = context.site().root;
  result.state_dir = context.site().state_dir;
  // Downloaded and verified now, before any phase: the window never waits for the network.
  resolve_release_source(source, result);
  return result;
}

namespace {

// What the verify phase checked over HTTP, or why it checked nothing.
nlohmann::json health_check_json(const UpgradeRun& run) {
  if (run.transaction != "upgrade") return nullptr;
  return {{"checked", !run.health_url.empty()},
          {"url", run.health_url.empty() ? nlohmann::json() : nlohmann::json(run.health_url)},
          {"source", run.health_source.empty() ? nlohmann::json() : nlohmann::json(run.health_source)},
          {"skipped", run.health_skipped.empty() ? nlohmann::json() : nlohmann::json(run.health_skipped)}};
}

// What recover did, for its JSON: "rolled_back", "rolled_forward", or false
// when the run is still unfinished.
nlohmann::json recovered_json(const TransactionResult& result) {
  if (result.outcome == JournalOutcome::kRolledBack) return "rolled_back";
  if (result.outcome == JournalOutcome::kCommitted) return "rolled_forward";
  return false;
}

// recover succeeds (0) when it leaves the site consistent, in either
// direction; 3 when it could not.  The other commands: exit_code_of.
ExitCode exit_code_for(const std::string& command, const TransactionResult& result) {
  if (command != "recover") return exit_code_of(result);
  bool consistent = result.outcome == JournalOutcome::kRolledBack || result.outcome == JournalOutcome::kCommitted;
  return consistent ? ExitCode::kSuccess : ExitCode::kIncomplete;
}

}  // namespace

// Prints the end of a transaction (shared with recover).
ExitCode report_upgrade(const GlobalOptions& global, const std::string& command, const UpgradeRun& run,
                        const UpgradeOutcome& outcome) {
  Reply reply{exit_code_for(command, outcome.result)};
  ExitCode code = reply.code;
  std::string error = outcome.result.error;
  if (!outcome.result.undo_error.empty())
    error += error.empty() ? outcome.result.undo_error : "; " + outcome.result.undo_error;
  // A run killed from outside recorded no error of its own.
  if (error.empty() && code != ExitCode::kSuccess)
    error = fmt::format("{} {}: the run did not finish", run.transaction, run.id);
  if (code != ExitCode::kSuccess) reply.error = error;
  reply.fields = {
      {"command", command},
      {"outcome", to_string(outcome.result.outcome)},
      {"phases", phases_json(outcome.result.phases)},
      {"maintenance_seconds", outcome.maintenance_seconds},
      {"snapshot", {{"id", outcome.snapshot.empty() ? nlohmann::json() : nlohmann::json(outcome.snapshot)}}},
      {"from_version", run.from_code_version},
      {"from_db_version", run.from_db_version},
      {"to_version", run.to_version},
      {"missing_modules", outcome.missing_modules},
      {"health_check", health_check_json(run)},
      {"log", outcome.log_file.string()},
  };
  if (command == "recover") {
    reply.fields["recovered"] = recovered_json(outcome.result);
    reply.fields["run_error"] = outcome.result.error.empty() ? nlohmann::json() : nlohmann::json(outcome.result.error);
  }
  for (const auto& [key, value] : outcome.extra.items()) reply.fields[key] = value;

  std::string& text = reply.summary;
  if (!global.quiet) text += phases_text(outcome.result.phases);
  if (command == "recover" && code == ExitCode::kSuccess) {
    bool back = outcome.result.outcome == JournalOutcome::kRolledBack;
    text += fmt::format("recovered the interrupted {} {}: {}\n", run.transaction, run.id,
                        back ? fmt::format("rolled back, the site is at CiviCRM {} as before", run.from_code_version)
                             : fmt::format("rolled forward, the site is at CiviCRM {}", run.to_version));
    if (!outcome.result.error.empty()) text += fmt::format("the run had failed: {}\n", outcome.result.error);
  } else if (code == ExitCode::kSuccess) {
    text += fmt::format("{} CiviCRM {} (database {}) to {} (database {})\n",
                        run.transaction == "rollback" ? "rolled back" : "upgraded", run.from_code_version,
                        run.from_db_version, run.to_version, run.to_db_version);
  } else if (code == ExitCode::kRolledBack) {
    text += fmt::format("rolled back: the site is at CiviCRM {} as before\n", run.from_code_version);
  } else {
    text += "NOT fully rolled back: run `civiup status` and `civiup recover`\n";
  }
  if (run.transaction == "upgrade" && run.health_url.empty()) {
    text += fmt::format("note: no health check: {}\n", run.health_skipped);
  } else if (run.transaction == "upgrade") {
    text += fmt::format("health check: {} ({})\n", run.health_url, run.health_source);
  }
  for (const std::string& module : outcome.missing_modules) {
    text += fmt::format("note: module {} is not in the new release and was left disabled\n", module);
  }
  text += fmt::format("maintenance window: {:.1f} s\n", outcome.maintenance_seconds);
  if (!outcome.snapshot.empty()) {
    text += fmt::format("{}: {}\n", run.transaction == "rollback" ? "restored snapshot" : "pre-upgrade snapshot",
                        outcome.snapshot);
  }
  if (outcome.extra.contains("kept_snapshot")) {
    std::string kept = outcome.extra["kept_snapshot"].get<std::string>();
    text += fmt::format("the replaced state is kept as snapshot {}: `civiup restore {}` undoes this {}\n",
                        kept.substr(0, 12), kept.substr(0, 12), command);
  }
  text += fmt::format("log: {}\n", outcome.log_file.string());
  return reply.print(global);
}

// The same preflight as `civiup check`: the upgrade refuses on its first
// problem (exit 2) before planning, so the two can never disagree.
uint64_t require_preflight(const UpgradeOptions& options) {
  // A running or interrupted run comes first: the other problems may be its doing.
  refuse_unfinished_journal(options.state_dir);
  PreflightOptions preflight = options;
  preflight.plan_phases = phases::phase_plan("upgrade");
  PreflightReport report = run_preflight(preflight);
  if (report.ready()) return report.state_dir.needed_bytes;
  if (report.problems.size() == 1) fail("{}", report.problems.front());
  fail("{} (and {} more problems: run civiup check)", report.problems.front(), report.problems.size() - 1);
}

void refuse_local_changes(const UpgradeOptions& options) {
  LocalChanges local = find_local_changes(options.root.value(), options.state_dir);
  if (local.changes.empty()) return;
  if (options.discard_local_changes) {
    spdlog::warn("{}; upgrading anyway (--discard-local-changes): the changed tree stays in the pre-upgrade snapshot",
                 describe_local_changes(local));
    return;
  }
  fail(
      "{}; the upgrade would replace them: keep a copy, or add --discard-local-changes (the changed tree stays "
      "in the pre-upgrade snapshot)",
      describe_local_changes(local));
}

ExitCode upgrade_command(const CommandContext& context) {
  cxxopts::Options parser("civiup upgrade");
  add_upgrade_options(parser);
  UpgradeOptions options = upgrade_options_from(parse_command_options(parser, context.args), context, "civiup upgrade");
  uint64_t space_needed = require_preflight(options);
  refuse_local_changes(options);
  UpgradeRun run = plan_upgrade(options);
  confirm_or_refuse(context.global, fmt::format("Upgrade CiviCRM {} to {} in {}?", run.from_code_version,
                                                run.to_version, run.root.string()));
  install_interrupt_handlers();
  UpgradeOutcome outcome = run_transaction(run, space_needed);
  return report_upgrade(context.global, "upgrade", run, outcome);
}

}  // namespace civiup
