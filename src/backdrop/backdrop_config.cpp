#include "civiup/backdrop/backdrop_config.hpp"

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

nlohmann::ordered_json parse_config(const std::string& where, const std::string& text) {
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON ({})", where, e.what());
  }
}

// Backdrop writes config with four spaces; keep whatever the text uses.
int indentation_of(const std::string& text) {
  size_t newline = text.find('\n');
  if (newline == std::string::npos) return 4;
  size_t first = text.find_first_not_of(' ', newline + 1);
  return first == std::string::npos ? 4 : static_cast<int>(first - newline - 1);
}

std::string frontpage_of(const nlohmann::ordered_json& config, const std::string& where) {
  auto it = config.find("site_frontpage");
  if (it == config.end() || it->is_null()) return "";
  if (!it->is_string()) fail("{}: site_frontpage is not a string", where);
  return it->get<std::string>();
}

// `text` with site_frontpage set, in the same indentation and final newline.
std::string with_frontpage(const std::string& text, const std::string& where, const std::string& path) {
  auto config = parse_config(where, text);
  config["site_frontpage"] = path;
  std::string updated = config.dump(indentation_of(text));
  if (text.ends_with('\n')) updated += '\n';
  return updated;
}

}  // namespace

fs::path system_core_file(const fs::path& config_dir) { return config_dir / "system.core.json"; }

std::string read_frontpage(const fs::path& config_dir) {
  fs::path file = system_core_file(config_dir);
  return frontpage_of(parse_config(file.string(), read_file(file)), file.string());
}

void write_frontpage(const fs::path& config_dir, const std::string& path) {
  fs::path file = system_core_file(config_dir);
  replace_file_durably(file, with_frontpage(read_file(file), file.string(), path));
}

std::string ActiveConfig::where(const std::string& name) const {
  if (!settings_.config_in_database) return (settings_.config_dir / (name + ".json")).string();
  return fmt::format("row '{}' of {}{}", name, table(), db_ == nullptr ? "" : " in " + db_->description());
}

std::string ActiveConfig::read_row(const std::string& name) const {
  if (db_ == nullptr) fail("{}: the Backdrop database is not reachable", where(name));
  auto data = db_->query_scalar("SELECT data FROM " + table() + " WHERE name = ?", {name});
  if (!data) fail("{}: not found", where(name));
  return *data;
}

nlohmann::ordered_json ActiveConfig::read(const std::string& name) const {
  if (!settings_.config_in_database) {
    fs::path file = settings_.config_dir / (name + ".json");
    return parse_config(file.string(), read_file(file));
  }
  return parse_config(where(name), read_row(name));
}

std::string ActiveConfig::frontpage() const { return frontpage_of(read("system.core"), where("system.core")); }

void ActiveConfig::set_frontpage(const std::string& path) const {
  if (frontpage() == path) return;
  if (!settings_.config_in_database) {
    write_frontpage(settings_.config_dir, path);
    return;
  }
  // ConfigDatabaseStorage::write() stores the JSON as is; Backdrop keeps no
  // cache of config between requests, so the next page reads this row.
  std::string updated = with_frontpage(read_row("system.core"), where("system.core"), path);
  db_->execute("UPDATE " + table() + " SET data = ? WHERE name = 'system.core'", {updated});
}

bool is_civicrm_path(const std::string& path) {
  std::string_view view = path;
  while (view.starts_with('/')) view.remove_prefix(1);
  return view == "civicrm" || view.starts_with("civicrm/") || view.starts_with("civicrm?");
}

}  // namespace civiup
