#pragma once
// What a code snapshot of a site holds (DESIGN.md §3 "Code snapshots"), and
// where its database dumps go: shared by upgrade, rollback and `civiup snapshot`.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "civiup/site/site.hpp"
#include "civiup/snapshot/code/code_repository.hpp"

namespace civiup {

// modules/civicrm, settings.php (+ settings.local.php), civicrm.settings.php,
// the active config directory and files/civicrm, minus compiled templates and
// user uploads.  Paths that do not exist are left out.
// `extensions_dir` (CiviCRM's extensionsDir, resolved): added when it lies
// inside the root but outside the paths above (by default it is
// files/civicrm/ext, inside files/civicrm).
snapshot::CodeSnapshotSpec site_code_snapshot_spec(const std::filesystem::path& root, const BackdropSettings& backdrop,
                                                   const CiviCrmSettings& civicrm,
                                                   const std::filesystem::path& extensions_dir = {});

// `extensions_dir` relative to `root` ("files/civicrm/ext"), or "" when it is
// outside the root (a code snapshot holds paths under the root only).
std::string extensions_snapshot_path(const std::filesystem::path& root, const std::filesystem::path& extensions_dir);

// The first of `paths` (relative to `root`; modules/civicrm has the state
// directory's own check) that a restore could not put back, as "<path>: <cause>":
// restore-files exchanges each with its checkout in the state directory by
// rename, which cannot cross filesystems, so its place must be on the
// filesystem of `state_dir` (or of its nearest existing ancestor).
std::optional<std::string> unrestorable_path(const std::filesystem::path& root, const std::vector<std::string>& paths,
                                             const std::filesystem::path& state_dir);

}  // namespace civiup
