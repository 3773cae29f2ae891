// The files of a generated Backdrop site: what civiup's site discovery reads.
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "testbed/embedded_php.hpp"
#include "testbed/random_text.hpp"
#include "testbed/site_parts.hpp"

namespace civiup::testbed {
namespace {

void write_text(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out.flush()) throw std::runtime_error("writing " + path.string());
}

std::string index_php() {
  return "<?php\n"
         "/**\n * @file\n * The PHP page that serves all page requests on a Backdrop installation.\n */\n"
         "define('BACKDROP_ROOT', getcwd());\n"
         "require_once BACKDROP_ROOT . '/core/includes/bootstrap.inc';\n"
         "backdrop_bootstrap(BACKDROP_BOOTSTRAP_FULL);\n"
         "menu_execute_active_handler();\n";
}

std::string database_block(const DatabaseServer& server, const SiteSpec& spec) {
  if (!spec.databases_array_form) {
    return fmt::format("$database = {};\n$database_prefix = {};\n", php_quote(server.dsn(spec.backdrop_db)),
                       php_quote(spec.table_prefix));
  }
  // The array form (Drupal 7 style, which Backdrop also reads); 'prefix' and
  // $database_prefix say the same, so either reading finds it.
  return fmt::format(
      "$databases['default']['default'] = array(\n"
      "  'driver' => 'mysql',\n"
      "  'database' => {},\n"
      "  'username' => {},\n"
      "  'password' => {},\n"
      "  'host' => {},\n"
      "  'port' => '{}',\n"
      "  'prefix' => {},\n"
      ");\n"
      "$database_prefix = {};\n",
      php_quote(spec.backdrop_db), php_quote(server.user), php_quote(server.password), php_quote(server.host),
      server.port, php_quote(spec.table_prefix), php_quote(spec.table_prefix));
}

std::string settings_php(const DatabaseServer& server, const SiteSpec& spec, const std::string& config_hash) {
  return fmt::format(
      "<?php\n"
      "/**\n"
      " * @file\n"
      " * Main Backdrop CMS configuration file.\n"
      " */\n\n"
      "/**\n"
      " * Database configuration:\n"
      " *\n"
      " * Most sites can configure their database by entering the connection string\n"
      " * below (user, password, host and database name of a MySQL server).\n"
      " */\n"
      "{}\n"
      "/**\n"
      " * Site configuration files location.\n"
      " */\n"
      "$config_directories['active'] = 'files/config_{}/active';\n"
      "$config_directories['staging'] = 'files/config_{}/staging';\n\n"
      "$settings['update_free_access'] = FALSE;\n"
      "$settings['hash_salt'] = '{}';\n"
      "$settings['backdrop_drupal_compatibility'] = TRUE;\n{}\n"
      "// $config['system.core']['site_name'] = 'My Backdrop Site';\n"
      "ini_set('session.gc_probability', 1);\n"
      "ini_set('session.gc_divisor', 100);\n",
      database_block(server, spec), config_hash, config_hash, config_hash.substr(0, 16) + config_hash,
      spec.config_in_database ? "$settings['config_active_class'] = 'ConfigDatabaseStorage';\n" : "");
}

std::string civicrm_settings_php(const fs::path& root, const DatabaseServer& server, const SiteSpec& spec) {
  auto define = [](const std::string& name, const std::string& value) {
    return fmt::format("if (!defined('{0}')) {{\n  define('{0}', {1});\n}}\n", name, php_quote(value));
  };
  return "<?php\n"
         "/**\n * CiviCRM Configuration File.\n */\n"
         "global $civicrm_root, $civicrm_setting, $civicrm_paths;\n\n" +
         define("CIVICRM_UF", "Backdrop") + "\n/**\n * Content Management System (CMS) Datasource.\n */\n" +
         define("CIVICRM_UF_DSN", server.dsn(spec.backdrop_db) + "?new_link=true") +
         "\n/**\n * CiviCRM Database Settings.\n */\n" +
         define("CIVICRM_DSN", server.dsn(spec.civicrm_db) + "?new_link=true") +
         (spec.logging_db.empty() ? std::string()
                                  : "\n/**\n * Detailed logging in its own database.\n */\n" +
                                        define("CIVICRM_LOGGING_DSN", server.dsn(spec.logging_db) + "?new_link=true")) +
         "\n/**\n * File system paths.\n */\n" +
         fmt::format("$civicrm_root = {};\n", php_quote((root / "modules" / "civicrm").string() + "/")) +
         define("CIVICRM_TEMPLATE_COMPILEDIR", (root / "files" / "civicrm" / "templates_c").string() + "/") +
         define("CIVICRM_UF_BASEURL", spec.base_url) +
         define("CIVICRM_SITE_KEY", fmt::format("{:016x}", hash_of(root.string()))) +
         "\n$include_path = '.' . PATH_SEPARATOR . $civicrm_root . PATH_SEPARATOR . get_include_path();\n"
         "if (set_include_path($include_path) === FALSE) {\n"
         "  echo \"Could not set the include path<p>\";\n"
         "  exit();\n"
         "}\n";
}

std::string extension_info_xml(const std::string& key, const std::string& name) {
  return fmt::format(
      "<?xml version=\"1.0\"?>\n"
      "<extension key=\"{}\" type=\"module\">\n"
      "  <file>{}</file>\n"
      "  <name>{}</name>\n"
      "  <version>1.0</version>\n"
      "</extension>\n",
      key, name, name);
}

std::string system_core_json(const SiteSpec& spec) {
  // Backdrop writes config as pretty JSON (4 spaces) with _config_name first.
  nlohmann::ordered_json config;
  config["_config_name"] = "system.core";
  config["site_name"] = "civiup test site";
  config["site_slogan"] = "";
  config["site_mail"] = "admin@example.org";
  config["site_frontpage"] = spec.site_frontpage;
  config["site_403"] = "";
  config["site_404"] = "";
  config["maintenance_theme"] = "basis";
  config["file_public_path"] = "files";
  config["file_temporary_path"] = "/tmp";
  config["cron_safe_threshold"] = 10800;
  return config.dump(4) + "\n";
}

}  // namespace

std::vector<std::pair<std::string, std::string>> active_config_objects(const SiteSpec& spec) {
  return {{"system.core", system_core_json(spec)},
          {"system.performance",
           "{\n    \"_config_name\": \"system.performance\",\n    \"cache\": 1,\n    \"page_cache_maximum_age\": "
           "300\n}\n"}};
}

namespace {

std::string info_file(const SiteModule& module) {
  std::string info =
      fmt::format("name = {}\ndescription = {} for the civiup test site.\ntype = module\nbackdrop = 1.x\n", module.name,
                  module.name);
  info += module.core ? "package = Core\n" : "package = Contrib\n";
  for (const std::string& dependency : module.dependencies) info += fmt::format("dependencies[] = {}\n", dependency);
  info += module.core ? "version = BACKDROP_VERSION\n" : "version = 1.x-1.0.0\n";
  return info;
}

// Smarty's compiled templates (%%XX^XXX^...%%Name.tpl.php) and uploads, which
// the upgrade clears (templates_c) or must keep (custom).
void write_civicrm_files(const fs::path& files) {
  for (int i = 0; i < 24; ++i) {
    uint64_t h = hash_of(std::to_string(i), 77);
    std::string name =
        fmt::format("%%{:02X}^{:02X}{:01X}^{:02X}{:01X}{:02X}%%{}.tpl.php", h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xf,
                    (h >> 20) & 0xff, (h >> 28) & 0xf, (h >> 32) & 0xff, vocabulary_word(h));
    write_text(files / "civicrm" / "templates_c" / "en_US" / fmt::format("%%{:02X}", h & 0xff) / name,
               "<?php /* Smarty version 2.6.31, created on 2024-05-01 */ ?>\n" + pseudo_source(h, 1500 + h % 4000));
  }
  for (int i = 0; i < 8; ++i) {
    std::string bytes = "%PDF-1.4\n";
    DeterministicRandom random(hash_of("upload", static_cast<uint64_t>(i)));
    for (int b = 0; b < 3000; ++b) bytes.push_back(static_cast<char>(random.next() & 0xff));
    write_text(files / "civicrm" / "custom" / fmt::format("receipt_{}_{:08x}.pdf", i + 1, random.next() & 0xffffffff),
               bytes);
  }
  write_text(files / "civicrm" / "custom" / "photo_portrait.jpg", "\xff\xd8\xff\xe0" + std::string(2048, '\x42'));
  write_text(files / "civicrm" / "ConfigAndLog" / "CiviCRM.3b8f2e.log", "Jan 01 00:00:00  [info] CiviCRM installed\n");
  write_text(files / "civicrm" / "persist" / "contribute" / "css" / "main.css", "body { color: #333; }\n");
  write_text(files / "civicrm" / "upload" / ".htaccess", "Deny from all\n");
}

}  // namespace

void write_site_files(const fs::path& root, const DatabaseServer& server, const SiteSpec& spec,
                      const std::string& config_hash) {
  write_text(root / "index.php", index_php());
  // A minimal Backdrop bootstrap that civiup's PHP programs can run on (tests/testbed/php/bootstrap.inc).
  write_text(root / "core" / "includes" / "bootstrap.inc", std::string(kBootstrapInc));
  write_text(root / "settings.php", settings_php(server, spec, config_hash));
  write_text(root / "civicrm.settings.php", civicrm_settings_php(root, server, spec));

  const fs::path config = root / "files" / fmt::format("config_{}", config_hash);
  // With the config in the database the active directory is never created
  // (Backdrop 1.28+ leaves it unused); civiup must not need it.
  if (!spec.config_in_database) {
    for (const auto& [name, json] : active_config_objects(spec)) write_text(config / "active" / (name + ".json"), json);
  }
  fs::create_directories(config / "staging");
  write_civicrm_files(root / "files");
  // The site's own extensions (a short name as their directory, as the
  // extension manager unpacks them), and one installed but disabled.
  for (const std::string& key : kSiteExtensions) {
    std::string name = key.substr(key.rfind('.') + 1);
    write_text(root / spec.extensions_dir / name / "info.xml", extension_info_xml(key, name));
    write_text(root / spec.extensions_dir / name / (name + ".php"), fmt::format("<?php\n// {} extension\n", key));
  }
  write_text(root / spec.extensions_dir / "mosaico" / "info.xml",
             extension_info_xml("uk.co.vedaconsulting.mosaico", "mosaico"));

  // The installed release, at the site's version.
  ReleaseSpec release = spec.release;
  release.version = spec.version;
  write_release_tree(root / "modules", release);
  for (const SiteModule& module : site_modules(spec)) {
    if (module.written_by_release) continue;
    fs::path module_file = root / module.filename;
    fs::path info_path = module_file;
    info_path.replace_extension(".info");
    write_text(info_path, info_file(module));
    write_text(module_file, fmt::format("<?php\n/**\n * @file\n * {}.\n */\n", module.name));
  }
  write_text(root / "themes" / "README.md", "Themes go here.\n");
}

}  // namespace civiup::testbed
