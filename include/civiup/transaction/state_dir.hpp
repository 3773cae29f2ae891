#pragma once
// Where a site's state directory is: one rule for every command.
#include <filesystem>

namespace civiup {

// <root>.civiup next to the Backdrop root: outside the web root and modules/,
// and (usually) on the same filesystem.
std::filesystem::path default_state_dir(const std::filesystem::path& root);

// `given` (--state-dir) made absolute, or the default for `root`; lexically normal.
std::filesystem::path resolve_state_dir(const std::filesystem::path& root, const std::filesystem::path& given);

// <state>/journal.json and <state>/logs.
std::filesystem::path journal_file(const std::filesystem::path& state_dir);
std::filesystem::path logs_dir(const std::filesystem::path& state_dir);

}  // namespace civiup
