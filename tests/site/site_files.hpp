#pragma once
// A minimal Backdrop + CiviCRM site on disk, file by file, for discovery tests.
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "support/temp_dir.hpp"

namespace civiup::test {

inline std::string version_php(const std::string& version, const std::string& cms = "Backdrop") {
  return fmt::format(
      "<?php\n/** @deprecated */\nfunction civicrmVersion( ) {{\n  return array( 'version'  => '{}',\n"
      "                'cms'      => '{}',\n                'revision' => 'abc123' );\n}}\n",
      version, cms);
}

inline std::string version_xml(const std::string& version) {
  return fmt::format(
      "<?xml version=\"1.0\" encoding=\"iso-8859-1\" ?>\n<version>\n  <version_no>{}</version_no>\n</version>\n",
      version);
}

inline std::string backdrop_settings(const std::string& database_line) {
  return "<?php\n/**\n * Backdrop settings.  $database = 'mysql://commented:out@nowhere/x';\n */\n" + database_line +
         "\n$database_prefix = '';\n"
         "// $databases['default']['default'] = array('database' => 'commented');\n"
         "$config_directories['active'] = 'files/config_abc123/active';\n"
         "$config_directories['staging'] = 'files/config_abc123/staging';\n"
         "$settings['hash_salt'] = 'x';\n"
         "if (file_exists(__DIR__ . '/settings.local.php')) {\n  include __DIR__ . '/settings.local.php';\n}\n";
}

inline std::string civicrm_settings(const std::string& dsn, const std::string& uf_dsn) {
  return fmt::format(
      "<?php\n"
      "global $civicrm_root, $civicrm_setting;\n"
      "if (!defined('CIVICRM_UF')) {{\n  define('CIVICRM_UF', 'Backdrop');\n}}\n"
      "if (!defined('CIVICRM_UF_DSN')) {{\n  define( 'CIVICRM_UF_DSN', '{}');\n}}\n"
      "if (!defined('CIVICRM_DSN')) {{\n  define( 'CIVICRM_DSN', '{}');\n}}\n"
      "$civicrm_root = __DIR__ . '/modules/civicrm';\n"
      "if (!defined('CIVICRM_TEMPLATE_COMPILEDIR')) {{\n"
      "  define( 'CIVICRM_TEMPLATE_COMPILEDIR', __DIR__ . '/files/civicrm/templates_c/');\n}}\n"
      "$include_path = '.' . PATH_SEPARATOR . $civicrm_root . PATH_SEPARATOR . get_include_path( );\n",
      uf_dsn, dsn);
}

// index.php, core/, settings.php with `database_line`, the config dir,
// civicrm.settings.php and modules/civicrm at `version`.
inline void write_site(
    const std::filesystem::path& root,
    const std::string& database_line = "$database = 'mysql://backdrop:secret@db.example:3307/backdrop';",
    const std::string& version = "5.74.0") {
  write_text(root / "index.php", "<?php\n");
  std::filesystem::create_directories(root / "core");
  std::filesystem::create_directories(root / "files/config_abc123/active");
  write_text(root / "settings.php", backdrop_settings(database_line));
  write_text(root / "civicrm.settings.php",
             civicrm_settings("mysql://civi:civipass@db.example:3307/civicrm?new_link=true",
                              "mysql://backdrop:secret@db.example:3307/backdrop?new_link=true"));
  write_text(root / "modules/civicrm/civicrm-version.php", version_php(version));
  write_text(root / "modules/civicrm/xml/version.xml", version_xml(version));
}

}  // namespace civiup::test
