#include "civiup/backdrop_config.hpp"

#include <nlohmann/json.hpp>

#include "civiup/snapshot/durable_file.hpp"
#include "civiup/snapshot/error.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

nlohmann::ordered_json parse_config(const fs::path& file, const std::string& text) {
  try {
    return nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: not valid JSON ({})", file.string(), e.what());
  }
}

// Backdrop writes config with four spaces; keep whatever the file uses.
int indentation_of(const std::string& text) {
  size_t newline = text.find('\n');
  if (newline == std::string::npos) return 4;
  size_t first = text.find_first_not_of(' ', newline + 1);
  return first == std::string::npos ? 4 : static_cast<int>(first - newline - 1);
}

}  // namespace

fs::path system_core_file(const fs::path& config_dir) { return config_dir / "system.core.json"; }

std::string read_frontpage(const fs::path& config_dir) {
  fs::path file = system_core_file(config_dir);
  auto config = parse_config(file, read_file(file));
  auto it = config.find("site_frontpage");
  if (it == config.end() || it->is_null()) return "";
  if (!it->is_string()) fail("{}: site_frontpage is not a string", file.string());
  return it->get<std::string>();
}

void write_frontpage(const fs::path& config_dir, const std::string& path) {
  fs::path file = system_core_file(config_dir);
  std::string text = read_file(file);
  auto config = parse_config(file, text);
  config["site_frontpage"] = path;
  std::string updated = config.dump(indentation_of(text));
  if (text.ends_with('\n')) updated += '\n';
  replace_file_durably(file, updated);
}

bool is_civicrm_path(const std::string& path) {
  std::string_view view = path;
  while (view.starts_with('/')) view.remove_prefix(1);
  return view == "civicrm" || view.starts_with("civicrm/") || view.starts_with("civicrm?");
}

}  // namespace civiup
