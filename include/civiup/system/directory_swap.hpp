#pragma once
// The atomic code swap (DESIGN.md §3 "Atomic swap and durability"):
// renameat2(RENAME_EXCHANGE) swaps two directory entries in one step, so there
// is no moment without modules/civicrm and never a mixed tree.
#include <filesystem>

namespace civiup {

// Exchanges the directory entries `a` and `b` (both must exist, on one
// filesystem) and fsyncs both parents.  Throws naming both paths; EINVAL or
// ENOSYS mean the filesystem cannot exchange (check exchange_supported first).
void exchange_directories(const std::filesystem::path& a, const std::filesystem::path& b);

// Whether RENAME_EXCHANGE works in directory `dir`: probes with two scratch
// directories it creates and removes.  Changes nothing else.
bool exchange_supported(const std::filesystem::path& dir);

// Whether `a` and `b` are on the same filesystem (st_dev), so rename works between them.
bool same_filesystem(const std::filesystem::path& a, const std::filesystem::path& b);

}  // namespace civiup
