#include "civiup/backdrop/site_admin.hpp"

#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/system/child_process.hpp"

namespace civiup {
namespace fs = std::filesystem;

std::vector<std::string> detect_bee() {
  if (find_on_path("bee") && find_on_path("php")) return {"bee"};
  return {};
}

SiteAdmin::SiteAdmin(BackdropDatabase database, std::vector<std::string> bee, fs::path root, bool sql_fallback,
                     BackdropSession* session)
    : database_(std::move(database)),
      bee_(std::move(bee)),
      root_(std::move(root)),
      sql_fallback_(sql_fallback),
      session_(session) {}

void SiteAdmin::run_bee(const std::vector<std::string>& arguments, bool (*verify)(SiteAdmin&, const std::string&),
                        const std::string& subject, const std::string& session_command) {
  if (session_ != nullptr) {
    std::string shown = fmt::format("{}: {}", session_->shown(), session_command);
    try {
      session_->command(session_command);
      if (verify != nullptr && !verify(*this, subject)) fail("{}: said ok but did not do it", shown);
      spdlog::info("{}", shown);
    } catch (const Error& e) {
      if (!sql_fallback_) throw;
      spdlog::warn("{}; doing it in SQL instead", e.what());
    }
    return;
  }
  std::string shown = fmt::format("bee {}", fmt::join(arguments, " "));
  try {
    ChildCommand command;
    command.argv = bee_;
    command.argv.push_back("--root=" + root_.string());
    command.argv.push_back("--yes");
    command.argv.insert(command.argv.end(), arguments.begin(), arguments.end());
    command.cwd = root_;
    command.timeout = std::chrono::minutes(5);
    command.on_line = [](std::string_view line) { spdlog::debug("bee| {}", line); };
    ChildResult result = run_child(command);
    if (result.timed_out) fail("{}: did not finish within 5 minutes", shown);
    if (result.exit_code != 0) fail("{}: exit status {}", shown, result.exit_code);
    if (verify != nullptr && !verify(*this, subject)) fail("{}: exited 0 but did not do it", shown);
    spdlog::info("{}", shown);
  } catch (const Error& e) {
    if (!sql_fallback_) throw;
    spdlog::warn("{}; doing it in SQL instead", e.what());
  }
}

namespace {

bool maintenance_is_on(SiteAdmin& admin, const std::string&) { return admin.database().maintenance_mode(); }
bool maintenance_is_off(SiteAdmin& admin, const std::string&) { return !admin.database().maintenance_mode(); }
bool module_is_off(SiteAdmin& admin, const std::string& name) {
  return admin.database().module_status(name).value_or("0") == "0";
}
bool module_is_on(SiteAdmin& admin, const std::string& name) { return !module_is_off(admin, name); }

}  // namespace

void SiteAdmin::maintenance_on() {
  if (uses_bee()) run_bee({"maintenance-mode", "1"}, maintenance_is_on, "", "maintenance 1");
  database_.set_maintenance_mode(true);  // also drops cached pages and states, whatever bee did
}

void SiteAdmin::restore_maintenance(const std::optional<std::string>& raw) {
  bool on = raw && php_unserialize_truthy(*raw);
  if (uses_bee() && !on) run_bee({"maintenance-mode", "0"}, maintenance_is_off, "", "maintenance 0");
  database_.set_state_value("maintenance_mode", raw);
}

void SiteAdmin::disable_module(const std::string& name) {
  if (uses_bee()) run_bee({"disable", name}, module_is_off, name, "disable " + name);
  database_.set_module_status(name, "0");
}

void SiteAdmin::enable_module(const std::string& name, const std::string& raw_status) {
  if (uses_bee()) run_bee({"enable", name}, module_is_on, name, "enable " + name);
  database_.set_module_status(name, raw_status);
}

void SiteAdmin::clear_caches() {
  if (uses_bee()) run_bee({"cache-clear", "all"}, nullptr, "", "cache-clear");
  database_.clear_caches();
}

std::vector<std::string> bee_for_run(const std::string& option) {
  if (option == "none") return {};
  if (!option.empty()) return with_context("--bee", [&] { return split_command_line(option).argv; });
  return detect_bee();
}

}  // namespace civiup
