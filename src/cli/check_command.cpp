// civiup check: parse, run every preflight check, print the plan (or the one
// JSON object), exit 0 when ready and 2 otherwise.  Changes nothing.
#include "civiup/cli/check_command.hpp"

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/check/health_check_plan.hpp"
#include "civiup/check/preflight.hpp"
#include "civiup/cli/command_support.hpp"
#include "civiup/cli/release_source.hpp"
#include "civiup/cli/reply.hpp"
#include "civiup/release/release_available.hpp"
#include "civiup/upgrade/local_changes.hpp"
#include "civiup/upgrade/upgrade.hpp"
#include "upgrade/phases/upgrade_phases.hpp"

namespace civiup {
namespace {

struct CheckOptions : PreflightOptions {
  bool discard_local_changes = false;
  ReleaseSourceOptions source;       // --latest, --version, --sha256sums, ...
  AvailabilityOptions availability;  // --offline
};

CheckOptions check_options(const CommandContext& context) {
  cxxopts::Options options("civiup check");
  define_check_options(options);
  cxxopts::ParseResult parsed = parse_command_options(options, context.args);
  CheckOptions result;
  result.source = with_context("civiup check", [&] { return release_source_options_from(parsed); });
  if (parsed.count("release") == 0 && !result.source.downloads()) {
    fail("civiup check: --release FILE, --latest or --version X.Y.Z is required");
  }
  result.availability = availability_options_from(parsed);
  result.availability.feed = result.source.feed;
  result.availability.ca_file = result.source.ca_file;
  if (parsed.count("release") != 0) result.release_file = parsed["release"].as<std::string>();
  if (parsed.count("l10n") != 0 && !result.source.matching_l10n) result.l10n_file = parsed["l10n"].as<std::string>();
  if (parsed.count("db-upgrade") != 0) result.db_upgrade = parsed["db-upgrade"].as<std::string>();
  if (parsed.count("bee") != 0) result.bee = parsed["bee"].as<std::string>();
  result.force = parsed.count("force") != 0;
  result.discard_local_changes = parsed.count("discard-local-changes") != 0;
  result.root = context.site().root;  // after the usage errors
  result.state_dir = context.site().state_dir;
  return result;
}

// "not ready: <first problem> (and N more)": the one-line error of exit 2.
std::string not_ready_message(const std::vector<std::string>& problems) {
  std::string message = fmt::format("not ready: {}", problems.front());
  if (problems.size() > 1) message += fmt::format(" (and {} more)", problems.size() - 1);
  return message;
}

ExitCode print_refusal(const GlobalOptions& global, const std::string& error) {
  Reply refusal{ExitCode::kRefused, error};
  refusal.fields = {{"ready", false}, {"problems", {error}}};
  return refusal.print(global);
}

// Files of modules/civicrm changed since the previous upgrade: a problem (the
// upgrade refuses them) unless --discard-local-changes makes them a note.
LocalChanges add_local_changes(const CheckOptions& options, PreflightReport& report) {
  LocalChanges local;
  if (report.root.empty()) return local;
  try {
    local = find_local_changes(report.root, options.state_dir);
  } catch (const std::exception& e) {
    report.notes.push_back(fmt::format("local changes not checked: {}", e.what()));
    return local;
  }
  if (local.changes.empty()) return local;
  std::string text = describe_local_changes(local);
  if (options.discard_local_changes) {
    report.notes.push_back(text + "; the upgrade replaces them (--discard-local-changes)");
  } else {
    report.problems.push_back(text + "; the upgrade refuses them unless --discard-local-changes is given");
  }
  return local;
}

// What the upgrade's default health check would do (issue 14 point 5): the
// same probe of the base URL in the settings, read-only.
nlohmann::json add_health_check(PreflightReport& report) {
  HealthCheckPlan plan;
  try {
    plan = plan_health_check("", false, read_backdrop_settings(report.root), read_civicrm_settings(report.root));
  } catch (const std::exception&) {
    return nullptr;  // unreadable settings are a problem already
  }
  if (plan.url.empty()) {
    report.notes.push_back(fmt::format("the upgrade will run no health check unless --url is given: {}", plan.skipped));
  } else {
    report.notes.push_back(
        fmt::format("the upgrade will check {} ({}) before its commit point", plan.url, plan.source));
  }
  return {{"checked", !plan.url.empty()},
          {"url", plan.url.empty() ? nlohmann::json() : nlohmann::json(plan.url)},
          {"source", plan.source.empty() ? nlohmann::json() : nlohmann::json(plan.source)},
          {"skipped", plan.skipped.empty() ? nlohmann::json() : nlohmann::json(plan.skipped)}};
}

}  // namespace

void define_check_options(cxxopts::Options& options) {
  options.add_options()("release", "civicrm-X.Y.Z-backdrop.tar.gz", cxxopts::value<std::string>(), "FILE")(
      "l10n", "civicrm-X.Y.Z-l10n.tar.gz (alone, with --latest or --version: the release's own)",
      cxxopts::value<std::string>(), "[FILE]")("db-upgrade", "the DB upgrade command line the upgrade would run",
                                               cxxopts::value<std::string>(), "CMD")(
      "bee", "the bee command the upgrade would use ('none': SQL and plain php)", cxxopts::value<std::string>(),
      "CMD|none")("force", "allow a same-version, downgrade or .upgrade-database run")(
      "discard-local-changes", "local changes to modules/civicrm are a note, not a problem");
  add_release_source_options(options);
  add_availability_options(options, false);
}

ExitCode check_command(const CommandContext& context) {
  const GlobalOptions& global = context.global;
  PreflightReport report;
  CheckOptions options;
  std::optional<ResolvedRelease> source;
  try {
    options = check_options(context);
    source = resolve_release_source(options.source, options);  // a refused download: exit 2 here
    options.plan_phases = phases::phase_plan("upgrade");
    report = run_preflight(options);
  } catch (const std::exception& e) {
    return print_refusal(global, e.what());  // no site to check, bad usage, or a refused release
  }
  LocalChanges local = add_local_changes(options, report);
  Availability available = find_available_release(options.availability, options.state_dir, report.code_version);
  nlohmann::json health_check = add_health_check(report);
  Reply reply{report.ready() ? ExitCode::kSuccess : ExitCode::kRefused};
  if (!report.ready()) reply.error = not_ready_message(report.problems);
  reply.fields = preflight_json(report);
  nlohmann::json changed = nlohmann::json::array();
  for (const snapshot::PathChange& change : local.changes) {
    changed.push_back({{"path", change.path}, {"change", snapshot::to_string(change.kind)}});
  }
  reply.fields["local_changes"] = changed;
  reply.fields["health_check"] = health_check;
  reply.fields["local_changes_baseline"] = local.baseline.empty() ? nlohmann::json() : nlohmann::json(local.baseline);
  reply.fields["release_source"] = source ? release_source_json(*source) : nlohmann::json();
  reply.fields["available"] = availability_json(available);
  reply.fields["available_status"] = availability_text(available);
  if (!global.quiet || !report.ready()) {
    if (source) reply.summary += release_source_text(*source);
    reply.summary += preflight_text(report) + "available: " + availability_text(available) + "\n";
  }
  return reply.print(global);
}

}  // namespace civiup
