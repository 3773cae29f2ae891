#pragma once
// The stand-in for `cv upgrade:db`: run in a site root, it reads CIVICRM_DSN
// from civicrm.settings.php (as text), marks civicrm_domain.version
// `X.Y.Z.upgrade`, changes the schema and rows as a real upgrade does (with
// CIVICRM_LOGGING_DSN also the log table in the logging database), and
// stamps X.Y.Z.  Knobs in its environment make it fail, hang or lie:
//
//   CIVIUP_STANDIN_FAIL_AT=STEP    print an error and exit 1 at the start of STEP
//   CIVIUP_STANDIN_HANG=STEP       print that it hangs, then sleep until killed
//   CIVIUP_STANDIN_EXIT0_UPGRADE=1 stop before `stamp` and exit 0, leaving
//                                  X.Y.Z.upgrade behind (as bee does on failure)
//   CIVIUP_STANDIN_DELAY_MS=N      sleep N ms before every step (crash tests)
//   CIVIUP_STANDIN_LOG=FILE        append one line per run: cwd, from, to, outcome
//
// STEP is one of standin_upgrade_steps().  Exit codes: 0 upgraded (or already
// at the target), 1 failed, 2 usage or unreadable site.
#include <filesystem>
#include <string>
#include <vector>

namespace civiup::testbed {

struct StandinUpgradeOptions {
  std::filesystem::path root;  // the Backdrop root (cv runs in it; default: cwd)
  std::string to_version;      // default: modules/civicrm/civicrm-version.php under root
};

// The steps, in order: start, drop-triggers, mark, add-column, create-table,
// change-rows, rebuild-triggers, stamp, finish.
const std::vector<std::string>& standin_upgrade_steps();

// Runs the stand-in; prints cv-like progress on stdout, errors on stderr.
// Returns the process exit code.
int run_standin_upgrade(const StandinUpgradeOptions& options);

// "5.75.0" from civicrm-version.php's text ('version' => '5.75.0'); "" if absent.
std::string version_from_civicrm_version_php(const std::string& text);

// The value of define('NAME', '...') in civicrm.settings.php's text; "" if absent.
std::string php_define_value(const std::string& text, const std::string& name);

}  // namespace civiup::testbed
