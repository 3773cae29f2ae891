#include "civiup/backdrop/civicrm_extensions.hpp"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/system/printable_text.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

// CRM_Extension_Container_Basic looks this deep for info.xml files (ext_max_depth).
constexpr int kMaxScanDepth = 3;

bool truthy(const nlohmann::json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number()) return value.get<double>() != 0;
  if (value.is_string()) return !value.get<std::string>().empty() && value.get<std::string>() != "0";
  return !value.is_null();
}

// <extension key="org.example.foo" type="module"> of an info.xml.
std::optional<std::string> info_xml_key(const fs::path& file) {
  std::string text;
  try {
    text = read_file(file);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  size_t tag = text.find("<extension");
  if (tag == std::string::npos) return std::nullopt;
  size_t end = text.find('>', tag);
  size_t key = text.find("key=", tag);
  if (key == std::string::npos || key > end || key + 5 >= text.size()) return std::nullopt;
  char quote = text[key + 4];
  if (quote != '"' && quote != '\'') return std::nullopt;
  size_t close = text.find(quote, key + 5);
  if (close == std::string::npos) return std::nullopt;
  return text.substr(key + 5, close - key - 5);
}

// key -> directory for the info.xml files under `base` (the first one found wins).
void scan_extensions(const fs::path& base, std::map<std::string, fs::path>& found) {
  std::error_code error;
  if (!fs::is_directory(base, error)) return;
  for (auto it = fs::recursive_directory_iterator(base, fs::directory_options::skip_permission_denied, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (it.depth() >= kMaxScanDepth) it.disable_recursion_pending();
    std::error_code type_error;
    if (it->path().filename() != "info.xml" || !it->is_regular_file(type_error)) continue;
    if (auto key = info_xml_key(it->path())) found.emplace(*key, it->path().parent_path());
  }
}

std::string strip_trailing_slashes(std::string text) {
  while (text.size() > 1 && text.back() == '/') text.pop_back();
  return text;
}

}  // namespace

std::map<std::string, ExtensionCompatibility> parse_extension_compatibility(std::string_view json,
                                                                            std::string_view what) {
  nlohmann::json parsed;
  try {
    parsed = nlohmann::json::parse(json);
  } catch (const std::exception& e) {
    fail("{}: not JSON: {}", what, e.what());
  }
  if (!parsed.is_object()) fail("{}: not a JSON object of extension keys", what);
  std::map<std::string, ExtensionCompatibility> entries;
  for (const auto& [key, value] : parsed.items()) {
    if (!value.is_object()) fail("{}: '{}' is not an object", what, printable(key, 80));
    ExtensionCompatibility entry;
    if (auto it = value.find("obsolete"); it != value.end() && it->is_string()) entry.obsolete = it->get<std::string>();
    if (auto it = value.find("disable"); it != value.end()) entry.disable = truthy(*it);
    if (auto it = value.find("uninstall"); it != value.end()) entry.uninstall = truthy(*it);
    if (auto it = value.find("force-uninstall"); it != value.end()) entry.force_uninstall = truthy(*it);
    if (auto it = value.find("replacement"); it != value.end() && it->is_string()) {
      entry.replacement = it->get<std::string>();
    }
    entries.emplace(key, std::move(entry));
  }
  return entries;
}

std::string upgrade_action(const ExtensionCompatibility& entry) {
  // For an enabled extension: "uninstall" alone acts only on a disabled one,
  // so it needs "disable" first; force-uninstall sets is_active = 0 directly.
  if (entry.force_uninstall) return "force-uninstall";
  if (entry.disable && entry.uninstall) return "disable, uninstall";
  if (entry.disable) return "disable";
  return "none";
}

std::optional<std::string> php_unserialize_string(std::string_view text) {
  // s:<bytes>:"<bytes>";
  if (!text.starts_with("s:")) return std::nullopt;
  size_t colon = text.find(':', 2);
  if (colon == std::string_view::npos) return std::nullopt;
  size_t length = 0;
  auto [end, error] = std::from_chars(text.data() + 2, text.data() + colon, length);
  if (error != std::errc() || end != text.data() + colon) return std::nullopt;
  std::string_view rest = text.substr(colon + 1);
  if (rest.size() != length + 3 || rest.front() != '"' || rest.substr(length + 1) != "\";") return std::nullopt;
  return std::string(rest.substr(1, length));
}

fs::path civicrm_files_dir(const fs::path& root, const BackdropSettings& backdrop, const CiviCrmSettings& civicrm) {
  if (civicrm.civicrm_files_path) {
    fs::path path(*civicrm.civicrm_files_path);
    return (path.is_absolute() ? path : root / path).lexically_normal();
  }
  return (public_files_dir(root, backdrop) / "civicrm").lexically_normal();
}

ExtensionsDir find_extensions_dir(const fs::path& root, const BackdropSettings& backdrop,
                                  const CiviCrmSettings& civicrm, DatabaseSession* civicrm_db) {
  ExtensionsDir dir{"[civicrm.files]/ext/", "default", {}};
  if (civicrm.extensions_dir_setting) {
    dir = {*civicrm.extensions_dir_setting, "$civicrm_setting in civicrm.settings.php", {}};
  } else if (civicrm_db != nullptr) {
    auto stored = civicrm_db->query_scalar(
        "SELECT value FROM civicrm_setting WHERE name = 'extensionsDir' AND domain_id = 1 AND contact_id IS NULL");
    if (stored) {
      if (auto value = php_unserialize_string(*stored); value && !value->empty()) {
        dir = {*value, "civicrm_setting table", {}};
      }
    }
  }
  // Civi\Core\Paths::getPath: "[variable]/rest", else relative to [civicrm.files].
  std::string variable = "civicrm.files";
  std::string rest = dir.setting;
  if (rest.starts_with('[')) {
    size_t close = rest.find("]/");
    if (close == std::string::npos) {
      size_t bracket = rest.find(']');
      if (bracket == std::string::npos || bracket + 1 != rest.size()) {
        fail("extensionsDir '{}' ({}): not a path", printable(dir.setting, 120), dir.source);
      }
      close = bracket;
    }
    variable = rest.substr(1, close - 1);
    rest = close + 2 <= rest.size() ? rest.substr(close + 2) : "";
  }
  fs::path base;
  // [civicrm.private] is [civicrm.files] unless $civicrm_paths moves it (not read here).
  if (variable == "civicrm.files" || variable == "civicrm.private") {
    base = civicrm_files_dir(root, backdrop, civicrm);
  } else if (variable == "civicrm.root") {
    base = civicrm.civicrm_root.value_or(root / "modules" / "civicrm");
  } else if (variable == "cms.root" || variable == "cms") {
    base = root;
  } else {
    fail("extensionsDir '{}' ({}): civiup cannot resolve [{}]", printable(dir.setting, 120), dir.source,
         printable(variable, 40));
  }
  fs::path relative(strip_trailing_slashes(rest));
  dir.path = (relative.is_absolute() ? relative : rest.empty() ? base : base / relative).lexically_normal();
  return dir;
}

std::vector<SiteExtension> enabled_extensions(DatabaseSession& civicrm_db, const fs::path& extensions_dir,
                                              const fs::path& civicrm_dir,
                                              const std::map<std::string, ExtensionCompatibility>& compatibility) {
  // One row per line; keys are extension names (no tabs or newlines).
  auto list = civicrm_db.query_scalar(
      "SELECT GROUP_CONCAT(full_name ORDER BY full_name SEPARATOR '\\n') FROM civicrm_extension WHERE is_active = 1");
  std::map<std::string, fs::path> in_dir;
  std::map<std::string, fs::path> bundled;
  scan_extensions(extensions_dir, in_dir);
  scan_extensions(civicrm_dir / "ext", bundled);
  std::vector<SiteExtension> extensions;
  std::string_view rows = list ? std::string_view(*list) : std::string_view();
  while (!rows.empty()) {
    size_t newline = rows.find('\n');
    std::string key(rows.substr(0, newline));
    rows = newline == std::string_view::npos ? std::string_view() : rows.substr(newline + 1);
    SiteExtension extension;
    extension.key = key;
    // The extensions directory first, as CiviCRM's container collection does.
    if (auto it = in_dir.find(key); it != in_dir.end()) {
      extension.path = it->second;
      extension.location = "extensions-dir";
    } else if (auto bundled_it = bundled.find(key); bundled_it != bundled.end()) {
      extension.path = bundled_it->second;
      extension.location = "release";
    } else {
      extension.location = "missing";
    }
    if (auto it = compatibility.find(key); it != compatibility.end()) {
      extension.upgrade_action = upgrade_action(it->second);
      extension.obsolete = it->second.obsolete;
    }
    extensions.push_back(std::move(extension));
  }
  return extensions;
}

}  // namespace civiup
