#pragma once
// The live side of a snapshot: walks the selected paths of a tree (lstat only,
// symlinks never followed) into the entries a snapshot records.
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "manifest.hpp"

namespace civiup::snapshot {

struct LiveEntry {
  std::string path;         // real path relative to the root
  std::string stored_path;  // the same with names git refuses escaped
  EntryType type = EntryType::file;
  struct stat status {};
};

struct LiveTree {
  std::vector<LiveEntry> entries;    // sorted by stored_path (git's index order)
  std::vector<EscapedName> escaped;  // deepest first
  std::vector<std::string> skipped;  // sockets, fifos, devices

  std::size_t file_count() const;  // files and symlinks: what progress counts
};

// Rejects absolute paths, "..", and ".git" components; "." is the whole root.
std::string normalize_spec_path(const std::string& path);

LiveTree walk_live_tree(const std::filesystem::path& root, const std::vector<std::string>& paths,
                        const std::vector<std::string>& exclude);

// The manifest that records `tree` (modes, owners, every directory, escapes).
Manifest manifest_of(const LiveTree& tree);

// Git (libgit2 and the CLI) refuses a path component ".git" in any case, and a
// symlink named ".gitmodules".
bool git_refuses_name(const std::string& name, bool is_symlink);

}  // namespace civiup::snapshot
