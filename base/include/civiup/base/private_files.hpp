#pragma once
// Owner-only files and directories, whatever the umask or a library's modes.
#include <filesystem>

namespace civiup {

// Takes group and other permissions off everything under `dir` (and `dir`
// itself): directories 0700, files keep only their owner bits (0600, a
// read-only pack 0400).  For what a library writes with its own modes
// (libgit2: objects 0444, directories 0755, config 0644).  Symlinks are left.
void make_private(const std::filesystem::path& dir);

// mkdir(dir, 0700), then chmod 0700 against the umask.  Its parent must exist.
// Returns 0, or the errno (EEXIST: it exists, and is left as it is, mode too);
// the caller names the failure as mkdir's.
[[nodiscard]] int create_private_directory(const std::filesystem::path& dir) noexcept;

// `dir` and any missing parents (those with the umask's mode), then `dir` 0700
// whether it is new or not: a state directory made private again.  Throws
// "chmod 0700 <dir>: <cause>".
void make_private_directory(const std::filesystem::path& dir);

}  // namespace civiup
