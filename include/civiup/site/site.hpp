#pragma once
// Site discovery: everything civiup needs to know about a Backdrop site with
// CiviCRM, read from its files as text (nothing is executed, nothing changes).
// Each missing or malformed item is a one-line civiup::Error naming the file
// and the cause; no message ever holds a password.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "civiup/site/database_dsn.hpp"
#include "civiup/site/version_number.hpp"

namespace civiup {

// What settings.php (+ settings.local.php) says.
struct BackdropSettings {
  std::filesystem::path settings_file;                       // <root>/settings.php
  std::optional<std::filesystem::path> local_settings_file;  // <root>/settings.local.php, when present
  DatabaseDsn database;                                      // $database or $databases['default']['default']
  std::string table_prefix;                                  // $database_prefix or the array's 'prefix'
  // $config_directories['active'], absolute; empty when the active config is
  // in the database and no such directory exists.
  std::filesystem::path config_dir;
  // $settings['config_active_class'] = 'ConfigDatabaseStorage' (Backdrop 1.28+):
  // the active config is in the table {prefix}active_config, not in config_dir.
  bool config_in_database = false;
  // $config['system.core']['site_frontpage'] in settings.php: overrides the active config.
  std::optional<std::string> frontpage_override;
  // $settings['file_public_path']: overrides system.core's file_public_path ("files").
  std::optional<std::string> file_public_path_override;
  // $base_url: the site's URL when the administrator set it (the default
  // settings.php leaves it commented out).  `base_url_problem` says why it
  // could not be read (a value built at run time); neither stops discovery.
  std::optional<std::string> base_url;
  std::string base_url_problem;
};

// What civicrm.settings.php (next to settings.php) says.
struct CiviCrmSettings {
  std::filesystem::path settings_file;
  DatabaseDsn dsn;                                    // CIVICRM_DSN: the CiviCRM database
  DatabaseDsn uf_dsn;                                 // CIVICRM_UF_DSN: the Backdrop database, as CiviCRM sees it
  std::filesystem::path template_compile_dir;         // CIVICRM_TEMPLATE_COMPILEDIR (templates_c)
  std::optional<std::filesystem::path> civicrm_root;  // $civicrm_root, as written
  // CIVICRM_LOGGING_DSN: detailed logging's log_civicrm_* tables in a database of
  // their own, written by triggers in the CiviCRM database.  Unset: they live in
  // the CiviCRM database.
  std::optional<DatabaseDsn> logging_dsn;
  std::optional<std::string> base_url;  // CIVICRM_UF_BASEURL, when a literal
  std::string base_url_problem;         // why CIVICRM_UF_BASEURL could not be read
  // $civicrm_setting['domain']['extensionsDir'] (or under another group name
  // but 'contact', as CiviCRM's SettingsManager merges them): a mandatory
  // value that wins over the database's.
  std::optional<std::string> extensions_dir_setting;
  // $civicrm_paths['civicrm.files']['path']: overrides where [civicrm.files] is.
  std::optional<std::string> civicrm_files_path;
};

// One database of the site and what it holds.  `roles` lists "civicrm",
// "backdrop", "logging" in that order of precedence; several when settings name
// the same database twice (counted once).  The first names its dump directory
// (dumps/<run>/<role>/) and its copy in a rehearsal.
struct SiteDatabase {
  std::vector<std::string> roles;
  DatabaseDsn dsn;

  const std::string& role() const { return roles.front(); }
  std::string label() const;  // "civicrm", "civicrm+backdrop", ...
};

// Every database of the site, deduplicated: CiviCRM first, then Backdrop, then
// the logging database when CIVICRM_LOGGING_DSN names one of its own.
std::vector<SiteDatabase> site_databases(const BackdropSettings& backdrop, const CiviCrmSettings& civicrm);

struct Site {
  std::filesystem::path root;         // the Backdrop root (absolute)
  std::filesystem::path civicrm_dir;  // <root>/modules/civicrm: the tree an upgrade replaces
  BackdropSettings backdrop;
  CiviCrmSettings civicrm;
  Version code_version;  // civicrm-version.php, agreeing with xml/version.xml
};

// True when `dir` has index.php, settings.php and core/ or modules/.
bool is_backdrop_root(const std::filesystem::path& dir);

// `--root` when given (it must be a Backdrop root), else `start` or its nearest
// parent that is one.  Returns an absolute path.
std::filesystem::path find_backdrop_root(const std::optional<std::filesystem::path>& root_option,
                                         const std::filesystem::path& start);

BackdropSettings read_backdrop_settings(const std::filesystem::path& root);

// Backdrop's public files directory: $settings['file_public_path'], else
// system.core's file_public_path, else "files"; relative to the root.
// `configured` is system.core's file_public_path when the caller read it (a
// site whose active config is in the database: backdrop_config.hpp's
// ActiveConfig); without it such a site's default "files" is taken.
std::filesystem::path public_files_dir(const std::filesystem::path& root, const BackdropSettings& backdrop,
                                       const std::optional<std::string>& configured = {});
CiviCrmSettings read_civicrm_settings(const std::filesystem::path& root);

// The version of an unpacked CiviCRM tree (modules/civicrm, or a staged
// release): civicrm-version.php ('version' => 'X.Y.Z', 'cms' => 'Backdrop',
// literals) and xml/version.xml <version_no>, which must agree.
Version read_code_version(const std::filesystem::path& civicrm_dir);

// The same checks on the two files' contents (release verification reads them
// from the tarball); the names are for errors.
Version code_version_from_files(std::string_view version_php, std::string_view version_xml,
                                const std::filesystem::path& version_php_name,
                                const std::filesystem::path& version_xml_name);

// Reads everything above for the site at `root` (a Backdrop root).  Database
// versions need a connection: see database_session.hpp.
Site discover_site(const std::filesystem::path& root);

}  // namespace civiup
