#pragma once
// Local patches: files of modules/civicrm changed since civiup last installed
// that tree, found by comparing the live tree with the post-upgrade code
// snapshot of the previous upgrade to the same version.  An upgrade would
// replace them, so `check` lists them and `upgrade` refuses unless
// --discard-local-changes is given (the changed tree stays in the pre-upgrade
// snapshot either way).
#include <filesystem>
#include <string>
#include <vector>

#include "civiup/snapshot/code/code_repository.hpp"

namespace civiup {

struct LocalChanges {
  std::string baseline;                       // the post-upgrade snapshot compared with; "" when there is none
  std::string baseline_version;               // the code version it holds
  std::vector<snapshot::PathChange> changes;  // under modules/civicrm, paths relative to the root
};

// Read-only: never creates the state directory or its repository.  No
// previous upgrade to the live code version: no baseline, no changes.
LocalChanges find_local_changes(const std::filesystem::path& root, const std::filesystem::path& state_dir);

// "modules/civicrm: 2 files changed since civiup installed 5.75.0 (snapshot
// 1a2b3c4d5e6f): CRM/Core/Config.php (modified), x.php (added)", naming the
// first `shown` files.
std::string describe_local_changes(const LocalChanges& local, size_t shown = 3);

}  // namespace civiup
