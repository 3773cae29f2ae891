#include "civiup/backdrop/backdrop_admin.hpp"

#include <fmt/format.h>

#include "civiup/base/error.hpp"

namespace civiup {

std::string php_serialize_bool(bool value) { return value ? "b:1;" : "b:0;"; }

bool php_unserialize_truthy(std::string_view serialized) {
  if (serialized == "b:1;") return true;
  if (serialized == "b:0;" || serialized == "N;") return false;
  if (serialized.starts_with("i:") && serialized.ends_with(";")) {
    return serialized.substr(2, serialized.size() - 3) != "0";
  }
  if (serialized.starts_with("s:")) {
    // s:N:"text"; — PHP treats "" and "0" as false.
    size_t quote = serialized.find('"');
    if (quote == std::string_view::npos || serialized.size() < quote + 3) return false;
    std::string_view text = serialized.substr(quote + 1, serialized.size() - quote - 3);
    return !(text.empty() || text == "0");
  }
  fail("maintenance_mode holds '{}', which is not a serialized PHP scalar", serialized.substr(0, 40));
}

std::optional<std::string> BackdropDatabase::state_value(const std::string& name) {
  // The value is a BLOB: compare its existence separately from its content.
  auto exists = session_.query_scalar(fmt::format("SELECT COUNT(*) FROM {} WHERE name = ?", table("state")), {name});
  if (exists.value_or("0") == "0") return std::nullopt;
  return session_.query_scalar(fmt::format("SELECT value FROM {} WHERE name = ?", table("state")), {name}).value_or("");
}

void BackdropDatabase::set_state_value(const std::string& name, const std::optional<std::string>& value) {
  if (value) {
    session_.execute(
        fmt::format("INSERT INTO {} (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)",
                    table("state")),
        {name, *value});
  } else {
    session_.execute(fmt::format("DELETE FROM {} WHERE name = ?", table("state")), {name});
  }
  // Backdrop caches all states in one cache row; pages are cached before the
  // maintenance check, so both must go for a direct write to take effect.
  session_.execute(fmt::format("DELETE FROM {} WHERE cid = 'states'", table("cache")));
  session_.execute(fmt::format("DELETE FROM {}", table("cache_page")));
}

bool BackdropDatabase::maintenance_mode() {
  auto value = state_value("maintenance_mode");
  return value && php_unserialize_truthy(*value);
}

void BackdropDatabase::set_maintenance_mode(bool on) { set_state_value("maintenance_mode", php_serialize_bool(on)); }

std::set<std::string> BackdropDatabase::enabled_modules() {
  // Module names never hold a newline; the session's default concat limit (1 KB) would cut the list.
  session_.execute("SET SESSION group_concat_max_len = 4194304");
  auto names = session_.query_scalar(fmt::format(
      "SELECT GROUP_CONCAT(name ORDER BY name SEPARATOR '\\n') FROM {} WHERE type = 'module' AND status = 1",
      table("system")));
  std::set<std::string> enabled;
  std::string list = names.value_or("");
  std::string_view rest = list;
  while (!rest.empty()) {
    size_t newline = rest.find('\n');
    enabled.emplace(rest.substr(0, newline));
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
  }
  return enabled;
}

std::optional<std::string> BackdropDatabase::module_status(const std::string& name) {
  return session_.query_scalar(fmt::format("SELECT status FROM {} WHERE type = 'module' AND name = ?", table("system")),
                               {name});
}

void BackdropDatabase::set_module_status(const std::string& name, const std::string& status) {
  session_.execute(fmt::format("UPDATE {} SET status = ? WHERE type = 'module' AND name = ?", table("system")),
                   {status, name});
  forget_bootstrap_cache();
}

void BackdropDatabase::forget_bootstrap_cache() {
  session_.execute(
      fmt::format("DELETE FROM {} WHERE cid IN ('system_list', 'bootstrap_modules', 'module_implements', 'hook_info')",
                  table("cache_bootstrap")));
}

void BackdropDatabase::clear_caches() {
  for (std::string_view cache : {"cache_views", "cache_page", "cache_layout_path"}) {
    // Not every Backdrop version has every cache table.
    auto exists = session_.query_scalar(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
        {prefix_ + std::string(cache)});
    if (exists.value_or("0") != "0") session_.execute(fmt::format("DELETE FROM {}", table(cache)));
  }
  forget_bootstrap_cache();
  session_.execute(fmt::format("DELETE FROM {} WHERE cid = 'states'", table("cache")));
}

}  // namespace civiup
