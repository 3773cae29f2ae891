// civiup snapshot | snapshots | restore SNAPSHOT | prune --keep N.
#include <chrono>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/cli/command_support.hpp"
#include "civiup/cli/reply.hpp"
#include "civiup/cli/transaction_commands.hpp"
#include "civiup/site/site.hpp"
#include "civiup/transaction/state_lock.hpp"
#include "civiup/transaction/state_trash.hpp"
#include "civiup/upgrade/site_snapshots.hpp"
#include "civiup/upgrade/upgrade.hpp"

namespace civiup {

namespace {
namespace fs = std::filesystem;

nlohmann::json snapshot_json(const SiteSnapshot& s) {
  return {{"id", s.id},
          {"created", s.created},
          {"kind", s.kind},
          {"code_version", s.code_version},
          {"db_version", s.db_version},
          {"message", s.message},
          {"dumps", s.dumps.empty() ? nlohmann::json() : nlohmann::json(s.dumps)},
          {"restorable", s.dumps_usable},
          {"dump_bytes", s.dump_bytes},
          {"databases", s.databases}};
}

// The dumps' size, "code only" without dumps, "BROKEN" when they are incomplete.
std::string dumps_column(const SiteSnapshot& s) {
  if (s.dumps.empty()) return "code only";
  if (!s.dumps_usable) return "BROKEN";
  return fmt::format("{:.1f} MB", static_cast<double>(s.dump_bytes) / 1e6);
}

std::string local_time(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  return text;
}

}  // namespace

void define_snapshot_options(cxxopts::Options& options) {
  options.add_options()("message", "a note kept with the snapshot", cxxopts::value<std::string>()->default_value(""),
                        "TEXT");
}

ExitCode snapshot_command(const CommandContext& context) {
  cxxopts::Options options("civiup snapshot");
  define_snapshot_options(options);
  cxxopts::ParseResult parsed = parse_command_options(options, context.args);
  const SiteLocation& where = context.site();
  discover_site(where.root);  // a broken site is refused before anything is written
  check_state_dir(where.state_dir, where.root);
  refuse_unfinished_journal(where.state_dir);
  fs::create_directories(where.state_dir);
  fs::permissions(where.state_dir, fs::perms::owner_all, fs::perm_options::replace);
  StateLock lock(where.state_dir);
  SiteSnapshot s = take_site_snapshot(where.root, where.state_dir, parsed["message"].as<std::string>());
  Reply reply;
  reply.fields = {{"snapshot", snapshot_json(s)}};
  reply.summary = fmt::format("snapshot {}: CiviCRM {} (database {}), dumps {:.1f} MB\n", s.id, s.code_version,
                              s.db_version, static_cast<double>(s.dump_bytes) / 1e6);
  return reply.print(context.global);
}

void define_snapshots_options(cxxopts::Options&) {}  // the root and state directory are global options

ExitCode snapshots_command(const CommandContext& context) {
  cxxopts::Options options("civiup snapshots");
  define_snapshots_options(options);
  parse_command_options(options, context.args);
  const SiteLocation& where = context.site();
  std::vector<SiteSnapshot> snapshots = list_site_snapshots(where.state_dir);
  Reply reply;
  nlohmann::json list = nlohmann::json::array();
  for (const SiteSnapshot& s : snapshots) list.push_back(snapshot_json(s));
  reply.fields = {{"snapshots", list}};
  if (snapshots.empty()) reply.summary = fmt::format("no snapshots in {}\n", where.state_dir.string());
  for (const SiteSnapshot& s : snapshots) {
    reply.summary +=
        fmt::format("{}  {}  {:<12} code {:<10} db {:<10} {:>9}  {}\n", std::string_view(s.id).substr(0, 12),
                    local_time(s.created), s.kind, s.code_version, s.db_version, dumps_column(s), s.message);
  }
  return reply.print(context.global);
}

void define_restore_options(cxxopts::Options& options) {
  options.add_options()("discard-changes",
                        "go on although rows or files changed since the snapshot would be discarded");
}

ExitCode restore_command(const CommandContext& context) {
  cxxopts::Options options("civiup restore");
  define_restore_options(options);
  std::vector<std::string> words;
  cxxopts::ParseResult parsed = parse_command_options(options, context.args, &words);
  if (words.size() != 1) fail("civiup restore: give exactly one SNAPSHOT id (see civiup snapshots)");
  RollbackOptions rollback;
  rollback.root = context.site().root;
  rollback.state_dir = context.site().state_dir;
  rollback.snapshot = words.front();
  UpgradeRun run = plan_rollback(rollback);
  run.command = "restore";
  run.discarded = std::make_shared<DiscardedChanges>(find_discarded_changes(run));
  const DiscardedChanges& discarded = *run.discarded;
  if (!accept_discarding(context.global, "civiup restore", discarded, parsed.count("discard-changes") != 0)) {
    return ExitCode::kRefused;
  }
  confirm_or_refuse(context.global,
                    fmt::format("Restore {} to snapshot {} (CiviCRM {}, database {})?", run.root.string(),
                                run.restore_snapshot.substr(0, 12), run.to_version, run.to_db_version));
  install_interrupt_handlers();
  UpgradeOutcome outcome = run_transaction(run, rollback_space_needed(run));
  // The final figures: keep-replaced added what was written after the question.
  if (outcome.result.outcome == JournalOutcome::kCommitted) report_after_question(context.global, discarded);
  outcome.extra["discarded"] = discarded.to_json();
  return report_upgrade(context.global, "restore", run, outcome);
}

void define_prune_options(cxxopts::Options& options) {
  options.add_options()("keep", "how many of the newest snapshots to keep", cxxopts::value<std::string>(), "N");
}

ExitCode prune_command(const CommandContext& context) {
  cxxopts::Options options("civiup prune");
  define_prune_options(options);
  cxxopts::ParseResult parsed = parse_command_options(options, context.args);
  if (parsed.count("keep") == 0) fail("civiup prune: --keep N is required");
  // Parsed here rather than by cxxopts: its integer parser trips g++ 12's -Wrestrict.
  std::string keep_text = parsed["keep"].as<std::string>();
  int keep = -1;
  try {
    size_t used = 0;
    keep = std::stoi(keep_text, &used);
    if (used != keep_text.size()) keep = -1;
  } catch (const std::exception&) {
    keep = -1;
  }
  if (keep < 0) fail("civiup prune: --keep {}: not a number of snapshots (0 or more)", keep_text);
  const SiteLocation& where = context.site();
  if (!fs::is_directory(where.state_dir)) fail("state directory {}: does not exist", where.state_dir.string());
  confirm_or_refuse(context.global,
                    fmt::format("Delete all but the newest {} snapshots of {}?", keep, where.root.string()));
  StateLock lock(where.state_dir);
  PruneResult result = prune_site_snapshots(where.state_dir, static_cast<size_t>(keep));
  empty_trash(where.state_dir);  // prune is run to free space: the trash goes too, now
  Reply reply;
  reply.fields = {
      {"removed", result.removed}, {"bytes_before", result.bytes_before}, {"bytes_after", result.bytes_after}};
  reply.summary =
      fmt::format("removed {} snapshots; {:.1f} MB -> {:.1f} MB\n", result.removed.size(),
                  static_cast<double>(result.bytes_before) / 1e6, static_cast<double>(result.bytes_after) / 1e6);
  return reply.print(context.global);
}

}  // namespace civiup
