#pragma once
// The parts generate_site() assembles: the site's files, the Backdrop database
// and the CiviCRM database.  Internal to the test bed.
#include <string>
#include <vector>

#include "support/text.hpp"
#include "testbed/sql_session.hpp"
#include "testbed/testbed.hpp"

namespace civiup::testbed {

// A module of the generated site, as Backdrop's `system` table lists it.
struct SiteModule {
  std::string name;
  std::string filename;                   // relative to the root: "modules/civicrm_entity/civicrm_entity.module"
  std::vector<std::string> dependencies;  // the .info's dependencies[]
  bool enabled = true;
  bool depends_on_civicrm = false;  // directly or transitively (not civicrm itself)
  bool written_by_release = false;  // lives in modules/civicrm (the release writes it)
  bool core = false;                // lives in core/modules
};

// Core modules, civicrm, the release's bundled modules and the contrib
// modules in modules/ (two integration modules, one only transitively
// dependent on civicrm; one disabled integration module; unrelated ones).
std::vector<SiteModule> site_modules(const SiteSpec& spec);

// index.php, core/, settings.php, civicrm.settings.php, files/, modules/.
void write_site_files(const fs::path& root, const DatabaseServer& server, const SiteSpec& spec,
                      const std::string& config_hash);

// Backdrop's tables (state, system, cache*, users, ...), with the table prefix.
void create_backdrop_tables(SqlSession& session, const SiteSpec& spec);

// CiviCRM's schema and rows, about spec.civicrm_data_bytes of them, into
// spec.civicrm_db (a large load opens a second connection to `server`).
// `account`: the site's own account, which creates the views, triggers and
// routine (their DEFINER), as the installer running as that account does.
void create_civicrm_tables(SqlSession& session, const DatabaseServer& server, const DatabaseServer& account,
                           const SiteSpec& spec);

// Detailed logging in a database of its own (CIVICRM_LOGGING_DSN): the
// log_civicrm_* tables move from the CiviCRM database (`session`) into
// `logging_db`, and the CiviCRM tables get CiviCRM's logging triggers writing there.
// Moves the log_civicrm_* tables into `logging_db` (as `session`, an admin)
// and creates CiviCRM's logging triggers as `owner`, the site's account.
void move_logging_tables(SqlSession& session, SqlSession& owner, const std::string& logging_db);

// The active config objects Backdrop would hold ("system.core" -> its JSON,
// pretty, _config_name first), as files or rows of active_config.
std::vector<std::pair<std::string, std::string>> active_config_objects(const SiteSpec& spec);

// A .info value or PHP string, single-quoted for PHP source.
using test::php_quote;

}  // namespace civiup::testbed
