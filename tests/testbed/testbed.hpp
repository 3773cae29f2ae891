#pragma once
// The test bed: generated Backdrop + CiviCRM sites, their databases, release
// tarballs and a stand-in DB upgrade command.  Used by tests, scripts/demo and
// scripts/bench (through the civiup-testbed program).  Everything is real:
// files on disk, databases on the MariaDB server, gzip'd tarballs.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace civiup::testbed {

namespace fs = std::filesystem;

// Where the databases go (scripts/test exports CIVIUP_TEST_MYSQL_*).
struct DatabaseServer {
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string user;
  std::string password;

  // From CIVIUP_TEST_MYSQL_HOST/PORT/USER/PASSWORD; throws if they are not set.
  static DatabaseServer from_environment();
  // "mysql://user:pass@host:port/db" (user and password URL-encoded as needed).
  std::string dsn(const std::string& database) const;
};

// A CiviCRM release for Backdrop, as the tarball civicrm-X.Y.Z-backdrop.tar.gz holds it.
struct ReleaseSpec {
  std::string version = "5.75.0";
  std::string cms = "Backdrop";     // "Drupal" or "WordPress" make a release civiup must refuse
  size_t file_count = 300;          // about this many files in all; ~16,000 at a real release's scale
  uint64_t total_bytes = 4u << 20;  // about this many bytes unpacked; ~165 MB at a real release's scale
  // Integration modules the release ships under civicrm/backdrop/modules/ (each
  // with an .info whose dependencies include civicrm).
  std::vector<std::string> bundled_modules = {"civicrmtheme"};
  // civicrm/extension-compatibility.json (every real release ships one); by
  // default one naming only an extension no generated site has.  Empty: none.
  std::string extension_compatibility = kDefaultExtensionCompatibility;
  uint32_t seed = 1;

  static constexpr const char* kDefaultExtensionCompatibility =
      "{\n  \"com.ixiam.modules.quicksearch\": {\n    \"obsolete\": \"5.8\",\n    \"disable\": true,\n"
      "    \"uninstall\": true\n  }\n}\n";  // same spec and seed => byte-identical tree

  // The real scale: about 16,300 files in about 2,900 directories, about 165 MB.
  static ReleaseSpec release_scale(const std::string& version);
};

// Writes the unpacked release under `parent` (so `parent/civicrm/...`).
void write_release_tree(const fs::path& parent, const ReleaseSpec& spec);

// Writes `directory/civicrm-<version>-backdrop.tar.gz` (or -drupal/-wordpress) and returns its path.
fs::path write_release_tarball(const fs::path& directory, const ReleaseSpec& spec);

struct SiteSpec {
  std::string version = "5.74.0";  // the installed release and civicrm_domain.version
  std::string backdrop_db;         // database names (must be given)
  std::string civicrm_db;          // equal to backdrop_db => one shared database
  // CIVICRM_LOGGING_DSN: detailed logging's log_civicrm_* tables moved into
  // this database, written by triggers in the CiviCRM one ("": they stay in
  // the CiviCRM database, no CIVICRM_LOGGING_DSN).
  std::string logging_db;
  // Backdrop 1.28+ `$settings['config_active_class'] = 'ConfigDatabaseStorage'`:
  // the active config in the table {prefix}active_config, no active directory.
  bool config_in_database = false;
  bool databases_array_form = false;       // settings.php: $databases array instead of $database DSN
  std::string table_prefix;                // Backdrop table prefix (CiviCRM tables never get one)
  std::string site_frontpage = "node";     // system.core.json site_frontpage ("civicrm/dashboard" to test that path)
  uint64_t civicrm_data_bytes = 2u << 20;  // size knob: a few MB to several GB of CiviCRM rows
  // One big table the upgrade never touches, counted in civicrm_data_bytes
  // (the contacts get what it leaves): civicrm_financial_trxn with this many
  // rows (0: the table is not created).  The "week later" rollback scenario
  // of scripts/bench upgrade: 4,000,000 rows in a 1.5 GB database.
  uint64_t big_table_rows = 0;
  ReleaseSpec release;  // the installed modules/civicrm (its version is forced to `version`)
  // The site's database account, written into settings.php and
  // civicrm.settings.php.  By default one of the site's own, created with
  // only GRANT ALL ON `<db>`.* for each of the site's databases (what
  // CiviCRM's installer and hosting panels set up: no RELOAD, SUPER, PROCESS
  // or BACKUP_ADMIN), and the site's views, triggers and routine are created
  // by it (it is their DEFINER).  `privileged_db_user`: the server's own
  // account instead (DatabaseServer; every privilege, so dumps take BACKUP STAGE).
  bool privileged_db_user = false;
  std::string db_user;  // the own account's name; empty: the Backdrop database's name
  std::string db_password = "site-db-pw";
  // CIVICRM_UF_BASEURL: by default a closed port on 127.0.0.1, so the default
  // health check's probe is refused at once (a test that serves the site sets it).
  std::string base_url = "http://127.0.0.1:1/";
  // Where the site's own extensions (kSiteExtensions) are written, relative to
  // the root, and the extensionsDir setting stored in civicrm_setting that
  // names it ("": no row, CiviCRM's default [civicrm.files]/ext/).
  std::string extensions_dir = "files/civicrm/ext";
  std::string extensions_dir_setting;
};

// The extensions every generated site has enabled in its extensions
// directory (civicrm_extension rows + directories with info.xml), besides the
// ones bundled in the release (civicrm/ext: search_kit, afform, authx, flexmailer).
inline const std::vector<std::string> kSiteExtensions = {"org.example.donorsearch", "com.example.legacyreports"};

// What was generated, for the test to assert against.
struct Site {
  fs::path root;        // the Backdrop root (index.php, settings.php, modules/, files/)
  fs::path config_dir;  // files/config_<hash>/active (absent with config_in_database)
  std::string backdrop_db;
  std::string civicrm_db;
  std::string logging_db;           // "" without CIVICRM_LOGGING_DSN
  bool config_in_database = false;  // config_dir then does not exist
  std::string table_prefix;
  std::vector<std::string> integration_modules;  // enabled, depending on civicrm (directly or not)
  DatabaseServer account;                        // the account in the settings files (user and password)
};

// The account generate_site writes into the settings: the server's own with
// `privileged_db_user`, else `db_user`@'%' (default: the Backdrop database's name).
DatabaseServer site_account(const DatabaseServer& server, const SiteSpec& spec);

// Builds the whole site under `root` (created; must not exist or be empty) and
// creates both databases (dropping them first if they exist).
Site generate_site(const fs::path& root, const DatabaseServer& server, const SiteSpec& spec);

}  // namespace civiup::testbed
