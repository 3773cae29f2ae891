#pragma once
// Backdrop's active configuration.  The front page is system.core's
// `site_frontpage` (pretty JSON, first key `_config_name`), in
// <active config>/system.core.json, or, with Backdrop 1.28+'s
// `$settings['config_active_class'] = 'ConfigDatabaseStorage'`, in the row
// name = 'system.core' of the table {prefix}active_config (columns name, data,
// ctime; `data` holds the same JSON).  CiviCRM must not be the front page
// during an upgrade.
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "civiup/site/database_session.hpp"
#include "civiup/site/site.hpp"

namespace civiup {

std::filesystem::path system_core_file(const std::filesystem::path& config_dir);

// site_frontpage of the active config ("" when unset).  Throws naming the file
// when it is missing or not JSON.
std::string read_frontpage(const std::filesystem::path& config_dir);

// Sets site_frontpage, keeping the other keys, their order and the file's
// indentation; written durably with the file's mode.
void write_frontpage(const std::filesystem::path& config_dir, const std::string& path);

// The active config of the site, wherever `settings` keep it: `backdrop_db`
// (connected to the Backdrop database) is used only when the config is in the
// database.  Throws naming the file or the table row.
class ActiveConfig {
 public:
  ActiveConfig(const BackdropSettings& settings, DatabaseSession* backdrop_db)
      : settings_(settings), db_(backdrop_db) {}

  // The whole config object `name` ("system.core").
  nlohmann::ordered_json read(const std::string& name) const;
  std::string frontpage() const;
  // Writes only when the value differs; keeps keys, order and indentation.
  void set_frontpage(const std::string& path) const;
  // "files/config_x/active/system.core.json" or "active_config row 'system.core' of <db>", for messages.
  std::string where(const std::string& name) const;

 private:
  std::string table() const { return "`" + settings_.table_prefix + "active_config`"; }
  std::string read_row(const std::string& name) const;

  const BackdropSettings& settings_;
  DatabaseSession* db_;
};

// Whether a front-page path is served by CiviCRM ("civicrm", "civicrm/...").
bool is_civicrm_path(const std::string& path);

}  // namespace civiup
