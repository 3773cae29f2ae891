#pragma once
// Owner-only files in a directory whatever wrote them.
#include <filesystem>

namespace civiup {

// Takes group and other permissions off everything under `dir` (and `dir`
// itself): directories 0700, files keep only their owner bits (0600, a
// read-only pack 0400).  For what a library writes with its own modes
// (libgit2: objects 0444, directories 0755, config 0644).  Symlinks are left.
void make_private(const std::filesystem::path& dir);

}  // namespace civiup
