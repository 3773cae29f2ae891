#pragma once
// A snapshot as a flat list of real paths with content ids and metadata: the
// tree (names unescaped) merged with its manifest (modes, owners, empty dirs).
// Restore and diff both read snapshots through this.
#include <string>
#include <vector>

#include "live_tree.hpp"
#include "repository_state.hpp"

namespace civiup::snapshot {

struct ContentEntry {
  std::string path;  // real path relative to the root
  EntryType type = EntryType::file;
  git_oid id{};            // blob id (files and symlinks)
  std::uint32_t mode = 0;  // 07777 bits
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

// Sorted by path, so every directory comes before what it holds.
std::vector<ContentEntry> snapshot_contents(git_repository* repository, const SnapshotCommit& snapshot);

// The live tree in the same form, every file and symlink hashed.
std::vector<ContentEntry> live_contents(const std::filesystem::path& root, const LiveTree& tree);

}  // namespace civiup::snapshot
