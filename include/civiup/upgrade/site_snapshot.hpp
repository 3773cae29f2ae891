#pragma once
// What a code snapshot of a site holds (DESIGN.md §3 "Code snapshots"), and
// where its database dumps go: shared by upgrade, rollback and `civiup snapshot`.
#include <filesystem>

#include "civiup/site.hpp"
#include "civiup/snapshot/code/code_repository.hpp"

namespace civiup {

// modules/civicrm, settings.php (+ settings.local.php), civicrm.settings.php,
// the active config directory and files/civicrm, minus compiled templates and
// user uploads.  Paths that do not exist are left out.
snapshot::CodeSnapshotSpec site_code_snapshot_spec(const std::filesystem::path& root,
                                                   const BackdropSettings& backdrop,
                                                   const CiviCrmSettings& civicrm);

}  // namespace civiup
