#include "civiup/site/site.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/site/php_settings.hpp"
#include "civiup/system/printable_text.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

void require_file(const fs::path& file, std::string_view hint) {
  std::error_code error;
  auto status = fs::status(file, error);
  if (!fs::exists(status)) fail("{}: not found{}", file.string(), hint);
  if (!fs::is_regular_file(status)) fail("{}: not a regular file", file.string());
}

// A settings file that must be there, read into `php` (after the files read before it).
void read_settings_file(PhpSettings& php, const fs::path& file, std::string_view hint = "") {
  require_file(file, hint);
  php.read_file(file);
}

// A relative path in a settings file is relative to the Backdrop root (PHP
// runs with the root as its working directory).
fs::path resolve_against(const fs::path& root, const std::string& path) {
  fs::path p(path);
  return (p.is_absolute() ? p : root / p).lexically_normal();
}

// $databases['default']['default'] (or a $database array): Backdrop's keys.
DatabaseDsn dsn_from_array(const PhpValue& array, const std::string& what) {
  auto text = [&](std::string_view key, bool required) -> std::string {
    const PhpValue* value = array.find(key);
    if (value == nullptr || value->kind == PhpValue::Kind::kNull) {
      if (required) fail("{}: no '{}' item", what, key);
      return {};
    }
    if (value->kind != PhpValue::Kind::kString) {
      fail("{} line {}: '{}' is not a plain string", what, value->line, key);
    }
    return value->text;
  };
  DatabaseDsn dsn;
  std::string driver = text("driver", false);
  dsn.driver = driver.empty() ? "mysql" : driver;
  if (dsn.driver != "mysql" && dsn.driver != "mysqli") {
    fail("{}: unsupported database driver '{}' (civiup supports mysql)", what, printable(dsn.driver, 20));
  }
  dsn.database = text("database", true);
  dsn.user = text("username", true);
  dsn.password = text("password", false);
  std::string host = text("host", false);
  dsn.host = host.empty() ? "localhost" : host;
  dsn.socket = text("unix_socket", false);  // Backdrop's (Drupal 7's) key for a socket path
  std::string port = text("port", false);
  if (!port.empty()) {
    try {
      size_t used = 0;
      dsn.port = std::stoi(port, &used);
      if (used != port.size() || dsn.port <= 0 || dsn.port > 65535) throw std::invalid_argument("port");
    } catch (const std::exception&) {
      fail("{}: invalid 'port' '{}'", what, printable(port, 20));
    }
  }
  return dsn;
}

// 'prefix' may be a string or an array of per-table prefixes whose 'default' applies.
std::string prefix_from_array(const PhpValue& array, const std::string& what) {
  const PhpValue* prefix = array.find("prefix");
  if (prefix == nullptr || prefix->kind == PhpValue::Kind::kNull) return {};
  if (prefix->kind == PhpValue::Kind::kArray) prefix = prefix->find("default");
  if (prefix == nullptr) return {};
  if (prefix->kind != PhpValue::Kind::kString) fail("{} line {}: 'prefix' is not a plain string", what, prefix->line);
  return prefix->text;
}

std::string between_tags(std::string_view text, std::string_view tag) {
  std::string open = fmt::format("<{}>", tag);
  std::string close = fmt::format("</{}>", tag);
  size_t start = text.find(open);
  if (start == std::string_view::npos) return {};
  start += open.size();
  size_t end = text.find(close, start);
  if (end == std::string_view::npos) return {};
  std::string_view value = text.substr(start, end - start);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())) != 0) value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())) != 0) value.remove_suffix(1);
  return std::string(value);
}

// What `dir` lacks to be a Backdrop root ("no settings.php"), for the error
// about a --root that is not one: the administrator fixes that one thing.
std::string missing_root_parts(const fs::path& dir) {
  std::error_code error;
  std::string missing;
  auto add = [&](std::string_view what) { missing += fmt::format("{}{}", missing.empty() ? "no " : ", no ", what); };
  if (!fs::is_regular_file(dir / "index.php", error)) add("index.php");
  if (!fs::is_regular_file(dir / "settings.php", error)) add("settings.php");
  if (!fs::is_directory(dir / "core", error) && !fs::is_directory(dir / "modules", error)) add("core/ or modules/");
  return missing;
}

// A setting civiup can live without (the base URL, a path override): a value
// built at run time is recorded as the reason it is unknown, not an error.
void read_optional_string(const PhpValue* value, std::string_view name, std::optional<std::string>& out,
                          std::string& problem) {
  if (value == nullptr || value->kind == PhpValue::Kind::kNull) return;
  if (value->kind == PhpValue::Kind::kString) {
    if (!value->text.empty()) out = value->text;
    return;
  }
  problem = fmt::format("{} line {}: {} is not a plain string{}", value->file, value->line, name,
                        value->why_not_literal.empty() ? "" : ": it is " + value->why_not_literal);
}

// $civicrm_setting[GROUP][name]: CiviCRM's SettingsManager merges every group
// but 'contact' and 'Personal Preferences' into the domain's mandatory values,
// later groups winning.
std::optional<std::string> mandatory_domain_setting(const PhpSettings& php, std::string_view name) {
  const PhpValue* groups = php.variable("civicrm_setting");
  if (groups == nullptr || groups->kind != PhpValue::Kind::kArray) return std::nullopt;
  std::optional<std::string> found;
  for (const auto& [group, values] : groups->items) {
    if (group == "contact" || group == "Personal Preferences") continue;
    const PhpValue* value = values.find(name);
    if (value != nullptr && value->kind == PhpValue::Kind::kString) found = value->text;
  }
  return found;
}

}  // namespace

bool is_backdrop_root(const fs::path& dir) {
  std::error_code error;
  return fs::is_regular_file(dir / "index.php", error) && fs::is_regular_file(dir / "settings.php", error) &&
         (fs::is_directory(dir / "core", error) || fs::is_directory(dir / "modules", error));
}

fs::path find_backdrop_root(const std::optional<fs::path>& root_option, const fs::path& start) {
  if (root_option) {
    fs::path root = fs::absolute(*root_option).lexically_normal();
    if (!fs::is_directory(root)) fail("--root {}: not a directory", root.string());
    if (!is_backdrop_root(root)) {
      fail("--root {}: not a Backdrop root: {} (it needs index.php, settings.php and core/ or modules/)", root.string(),
           missing_root_parts(root));
    }
    return root;
  }
  fs::path dir = fs::absolute(start).lexically_normal();
  while (true) {
    if (is_backdrop_root(dir)) return dir;
    if (dir == dir.root_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  fail("no Backdrop root at or above {} (looked for index.php, settings.php and core/ or modules/); use --root",
       fs::absolute(start).lexically_normal().string());
}

BackdropSettings read_backdrop_settings(const fs::path& root) {
  BackdropSettings settings;
  settings.settings_file = root / "settings.php";
  PhpSettings php;
  read_settings_file(php, settings.settings_file);
  fs::path local = root / "settings.local.php";
  std::error_code error;
  if (fs::exists(local, error)) {
    read_settings_file(php, local);
    settings.local_settings_file = local;
  }
  std::string files = settings.local_settings_file
                          ? fmt::format("{} (+ settings.local.php)", settings.settings_file.string())
                          : settings.settings_file.string();

  // Backdrop: a $database string wins over the $databases array.
  const PhpValue* database = php.variable("database");
  const PhpValue* databases = php.variable("databases", {"default", "default"});
  // $database_prefix belongs to the $database shorthand (Backdrop builds the
  // connection array from both); the $databases array carries its own 'prefix',
  // which the stock `$database_prefix = '';` line must not clear.
  auto shorthand_prefix = php.string_variable("database_prefix");
  if (database != nullptr && database->kind == PhpValue::Kind::kString) {
    settings.database = parse_dsn(database->text, fmt::format("$database in {}", database->file));
    settings.table_prefix = shorthand_prefix.value_or("");
  } else if (database != nullptr && database->kind == PhpValue::Kind::kArray) {
    settings.database = dsn_from_array(*database, fmt::format("$database in {}", database->file));
    settings.table_prefix = prefix_from_array(*database, fmt::format("$database in {}", database->file));
    if (settings.table_prefix.empty()) settings.table_prefix = shorthand_prefix.value_or("");
  } else if (database != nullptr) {
    (void)php.string_variable("database");  // throws: names the line and what it is
  } else if (databases != nullptr) {
    std::string what = fmt::format("$databases['default']['default'] in {}", databases->file);
    if (databases->kind != PhpValue::Kind::kArray) {
      fail("{} line {}: not an array", what, databases->line);
    }
    settings.database = dsn_from_array(*databases, what);
    settings.table_prefix = prefix_from_array(*databases, what);
    if (settings.table_prefix.empty()) settings.table_prefix = shorthand_prefix.value_or("");
  } else {
    fail("{}: no database settings ($database or $databases['default']['default'])", files);
  }

  // Backdrop 1.28+: config_get_config_storage() picks the class from
  // $settings['config_<type>_class']; ConfigDatabaseStorage keeps the active
  // config in the table active_config and leaves the directory unused.
  settings.config_in_database = php.string_variable("settings", {"config_active_class"}) == "ConfigDatabaseStorage";
  auto active = php.string_variable("config_directories", {"active"});
  if (settings.config_in_database) {
    if (active && !active->empty() && fs::is_directory(resolve_against(root, *active), error)) {
      settings.config_dir = resolve_against(root, *active);
    }
  } else if (!active || active->empty()) {
    fail("{}: $config_directories['active'] is not set", files);
  } else {
    settings.config_dir = resolve_against(root, *active);
    if (!fs::is_directory(settings.config_dir, error)) {
      fail("{}: $config_directories['active'] = '{}': directory {} not found", files, printable(*active, 100),
           printable(settings.config_dir.string(), 200));
    }
  }
  settings.frontpage_override = php.string_variable("config", {"system.core", "site_frontpage"});
  settings.file_public_path_override = php.string_variable("settings", {"file_public_path"});
  read_optional_string(php.variable("base_url"), "$base_url", settings.base_url, settings.base_url_problem);
  return settings;
}

fs::path public_files_dir(const fs::path& root, const BackdropSettings& backdrop,
                          const std::optional<std::string>& configured) {
  std::string public_path = "files";
  if (backdrop.file_public_path_override) {
    public_path = *backdrop.file_public_path_override;
  } else if (configured) {
    public_path = *configured;
  } else if (!backdrop.config_in_database) {
    try {
      // Site discovery reads files only (no database session): system.core.json of the active directory.
      auto config = nlohmann::json::parse(read_file(backdrop.config_dir / "system.core.json"));
      if (auto it = config.find("file_public_path"); it != config.end() && it->is_string()) {
        public_path = it->get<std::string>();
      }
    } catch (const std::exception&) {
      // An unreadable system.core.json is reported where the front page is read.
    }
  }
  return fs::path(public_path).is_absolute() ? fs::path(public_path) : root / public_path;
}

CiviCrmSettings read_civicrm_settings(const fs::path& root) {
  CiviCrmSettings settings;
  settings.settings_file = root / "civicrm.settings.php";
  PhpSettings php;
  read_settings_file(php, settings.settings_file, " (CiviCRM keeps it next to settings.php)");
  const std::string file = settings.settings_file.string();
  auto required = [&](std::string_view name) {
    auto value = php.string_constant(name);
    if (!value || value->empty()) fail("{}: {} is not defined", file, name);
    return *value;
  };
  settings.dsn = parse_dsn(required("CIVICRM_DSN"), fmt::format("CIVICRM_DSN in {}", file));
  settings.uf_dsn = parse_dsn(required("CIVICRM_UF_DSN"), fmt::format("CIVICRM_UF_DSN in {}", file));
  settings.template_compile_dir = resolve_against(root, required("CIVICRM_TEMPLATE_COMPILEDIR"));
  if (auto civicrm_root = php.string_variable("civicrm_root"); civicrm_root && !civicrm_root->empty()) {
    settings.civicrm_root = resolve_against(root, *civicrm_root);
  }
  if (auto logging = php.string_constant("CIVICRM_LOGGING_DSN"); logging && !logging->empty()) {
    settings.logging_dsn = parse_dsn(*logging, fmt::format("CIVICRM_LOGGING_DSN in {}", file));
  }
  read_optional_string(php.constant("CIVICRM_UF_BASEURL"), "CIVICRM_UF_BASEURL", settings.base_url,
                       settings.base_url_problem);
  settings.extensions_dir_setting = mandatory_domain_setting(php, "extensionsDir");
  std::string ignored;
  read_optional_string(php.variable("civicrm_paths", {"civicrm.files", "path"}), "$civicrm_paths",
                       settings.civicrm_files_path, ignored);
  return settings;
}

std::string SiteDatabase::label() const {
  std::string out;
  for (const std::string& role : roles) out += (out.empty() ? "" : "+") + role;
  return out;
}

std::vector<SiteDatabase> site_databases(const BackdropSettings& backdrop, const CiviCrmSettings& civicrm) {
  std::vector<SiteDatabase> databases;
  auto add = [&](const std::string& role, const DatabaseDsn& dsn) {
    for (SiteDatabase& database : databases) {
      if (database.dsn.same_database(dsn)) {
        database.roles.push_back(role);
        return;
      }
    }
    databases.push_back({{role}, dsn});
  };
  add("civicrm", civicrm.dsn);
  add("backdrop", backdrop.database);
  if (civicrm.logging_dsn) add("logging", *civicrm.logging_dsn);
  return databases;
}

Version code_version_from_files(std::string_view version_php, std::string_view version_xml,
                                const fs::path& version_php_name, const fs::path& version_xml_name) {
  const std::string php_name = version_php_name.string();
  auto version = find_literal_array_item(version_php, "version", version_php_name);
  if (!version) fail("{}: no 'version' => 'X.Y.Z' item", php_name);
  auto cms = find_literal_array_item(version_php, "cms", version_php_name);
  if (!cms) fail("{}: no 'cms' => '...' item", php_name);
  if (*cms != "Backdrop")
    fail("{}: 'cms' is '{}', not 'Backdrop': not a CiviCRM release for Backdrop", php_name, printable(*cms, 40));
  Version code = with_context(php_name, [&] { return Version::parse(*version); });
  if (code.is_upgrade_marker()) fail("{}: '{}' is not a release version", php_name, printable(*version, 40));

  std::string xml_version = between_tags(version_xml, "version_no");
  if (xml_version.empty()) fail("{}: no <version_no>", version_xml_name.string());
  if (xml_version != *version) {
    fail("{} says {} but {} says {}", php_name, printable(*version, 40), version_xml_name.string(),
         printable(xml_version, 40));
  }
  return code;
}

Version read_code_version(const fs::path& civicrm_dir) {
  fs::path php = civicrm_dir / "civicrm-version.php";
  fs::path xml = civicrm_dir / "xml" / "version.xml";
  require_file(php, "");
  require_file(xml, "");
  return code_version_from_files(read_file(php), read_file(xml), php, xml);
}

Site discover_site(const fs::path& root_dir) {
  Site site;
  site.root = fs::absolute(root_dir).lexically_normal();
  site.backdrop = read_backdrop_settings(site.root);
  site.civicrm = read_civicrm_settings(site.root);
  site.civicrm_dir = site.root / "modules" / "civicrm";
  std::error_code error;
  if (!fs::is_directory(site.civicrm_dir, error)) {
    fail("{}: not found (civiup upgrades CiviCRM installed in modules/civicrm)", site.civicrm_dir.string());
  }
  site.code_version = read_code_version(site.civicrm_dir);
  return site;
}

}  // namespace civiup
