#pragma once
// Which program upgrades the CiviCRM database, and why (docs/upgrade.md,
// "Choosing the upgrader"): --db-upgrade when given, else cv, else drush from
// PATH, else civiup's own runner (src/php/civiup-upgrade-db.php) on the site's
// PHP: through bee's php-script when bee is usable, else plain php, which then
// bootstraps Backdrop itself.  The runner is compiled into civiup and written
// into the run's staging directory when the upgrade-database phase starts.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace civiup {

struct Upgrader {
  std::string kind;               // "command" (--db-upgrade), "cv", "drush", "runner-bee", "runner-php"; "" none
  std::vector<std::string> argv;  // run in the Backdrop root
  std::map<std::string, std::string> env;  // --db-upgrade's leading NAME=value words
  std::filesystem::path runner_file;       // the runner's path in argv (runner kinds only)
  std::string reason;                      // why this one, for check and the log

  bool uses_runner() const { return !runner_file.empty(); }
  nlohmann::json to_json() const;
};

// `db_upgrade`: the --db-upgrade line (empty: choose); `bee`: a usable bee
// command (empty: none); `runner_file`: where the runner will be written.
// kind "" with a reason when nothing can run.
Upgrader choose_upgrader(const std::string& db_upgrade, const std::vector<std::string>& bee,
                         const std::filesystem::path& root, const std::filesystem::path& runner_file);

// The runner's file name in a staging directory, and its text.
inline constexpr std::string_view kUpgradeRunnerName = "civiup-upgrade-db.php";
extern const std::string_view kUpgradeRunnerPhp;

// Writes `text` to `path` (0600: it is only read by the user civiup runs as).
void write_php_program(const std::filesystem::path& path, std::string_view text);

}  // namespace civiup
