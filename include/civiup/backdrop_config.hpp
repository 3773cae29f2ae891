#pragma once
// Backdrop's active configuration files.  The front page lives in
// <active config>/system.core.json, key `site_frontpage` (pretty JSON, first
// key `_config_name`).  CiviCRM must not be the front page during an upgrade.
#include <filesystem>
#include <string>

namespace civiup {

std::filesystem::path system_core_file(const std::filesystem::path& config_dir);

// site_frontpage of the active config ("" when unset).  Throws naming the file
// when it is missing or not JSON.
std::string read_frontpage(const std::filesystem::path& config_dir);

// Sets site_frontpage, keeping the other keys, their order and the file's
// indentation; written durably with the file's mode.
void write_frontpage(const std::filesystem::path& config_dir, const std::string& path);

// Whether a front-page path is served by CiviCRM ("civicrm", "civicrm/...").
bool is_civicrm_path(const std::string& path);

}  // namespace civiup
