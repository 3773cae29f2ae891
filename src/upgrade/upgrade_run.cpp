#include "civiup/upgrade/upgrade_run.hpp"

#include <unistd.h>

#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "civiup/base/error.hpp"

namespace civiup {
namespace fs = std::filesystem;

nlohmann::json UpgradeRun::to_json() const {
  nlohmann::json original_json = {
      {"maintenance_mode", original.maintenance_mode ? nlohmann::json(*original.maintenance_mode) : nlohmann::json()},
      {"frontpage", original.frontpage},
      {"integration_modules", original.integration_modules},
      {"module_status", original.module_status},
  };
  return {
      {"transaction", transaction},
      {"command", command},
      {"id", id},
      {"root", root.string()},
      {"state_dir", state_dir.string()},
      {"release_file", release_file.string()},
      {"l10n_file", l10n_file ? nlohmann::json(l10n_file->string()) : nlohmann::json()},
      {"db_upgrade_argv", db_upgrade_argv},
      {"db_upgrade_env", db_upgrade_env},
      {"db_upgrade_kind", db_upgrade_kind},
      {"db_upgrade_runner", db_upgrade_runner.string()},
      {"db_upgrade_timeout_seconds", db_upgrade_timeout_seconds},
      {"quiesce_timeout_seconds", quiesce_timeout_seconds},
      {"bee_argv", bee_argv},
      {"from_code_version", from_code_version},
      {"from_db_version", from_db_version},
      {"to_version", to_version},
      {"to_db_version", to_db_version},
      {"restore_snapshot", restore_snapshot},
      {"restore_dumps", restore_dumps.string()},
      {"force", force},
      {"health_url", health_url},
      {"health_source", health_source},
      {"health_skipped", health_skipped},
      {"safe_frontpage", safe_frontpage},
      {"extensions_dir", extensions_dir.string()},
      {"original", original_json},
  };
}

namespace {

UpgradeRun parse_run(const nlohmann::json& json) {
  UpgradeRun run;
  run.transaction = json.at("transaction").get<std::string>();
  run.command = json.value("command", run.transaction);  // journals of older versions lack it
  run.id = json.at("id").get<std::string>();
  run.root = json.at("root").get<std::string>();
  run.state_dir = json.at("state_dir").get<std::string>();
  run.release_file = json.at("release_file").get<std::string>();
  if (!json.at("l10n_file").is_null()) run.l10n_file = json.at("l10n_file").get<std::string>();
  run.db_upgrade_argv = json.at("db_upgrade_argv").get<std::vector<std::string>>();
  run.db_upgrade_env = json.at("db_upgrade_env").get<std::map<std::string, std::string>>();
  run.db_upgrade_kind = json.value("db_upgrade_kind", "");  // journals of older versions lack these two
  run.db_upgrade_runner = json.value("db_upgrade_runner", "");
  run.db_upgrade_timeout_seconds = json.at("db_upgrade_timeout_seconds").get<int>();
  run.quiesce_timeout_seconds = json.value("quiesce_timeout_seconds", 10);  // journals of older versions lack it
  run.bee_argv = json.at("bee_argv").get<std::vector<std::string>>();
  run.from_code_version = json.at("from_code_version").get<std::string>();
  run.from_db_version = json.at("from_db_version").get<std::string>();
  run.to_version = json.at("to_version").get<std::string>();
  run.to_db_version = json.at("to_db_version").get<std::string>();
  run.restore_snapshot = json.at("restore_snapshot").get<std::string>();
  run.restore_dumps = json.at("restore_dumps").get<std::string>();
  run.force = json.at("force").get<bool>();
  run.health_url = json.at("health_url").get<std::string>();
  run.health_source = json.value("health_source", run.health_url.empty() ? "" : "--url");  // older journals lack it
  run.health_skipped = json.value("health_skipped", "");
  run.safe_frontpage = json.at("safe_frontpage").get<std::string>();
  run.extensions_dir = json.value("extensions_dir", "");  // older journals lack it
  const nlohmann::json& original = json.at("original");
  if (!original.at("maintenance_mode").is_null()) {
    run.original.maintenance_mode = original.at("maintenance_mode").get<std::string>();
  }
  run.original.frontpage = original.at("frontpage").get<std::string>();
  run.original.integration_modules = original.at("integration_modules").get<std::vector<std::string>>();
  run.original.module_status = original.at("module_status").get<std::map<std::string, std::string>>();
  return run;
}

}  // namespace

UpgradeRun UpgradeRun::from_json(const nlohmann::json& json) {
  try {
    return parse_run(json);
  } catch (const nlohmann::json::exception& e) {
    // A journal written by hand or by another civiup version: named, not std::terminate.
    fail("the run's context: {}", e.what());
  }
}

std::string new_run_id() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return fmt::format("{}-{}", stamp, ::getpid());
}

}  // namespace civiup
