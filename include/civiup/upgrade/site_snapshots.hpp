#pragma once
// A site's snapshots: a code snapshot (libgit2 commit in <state>/code.git)
// plus, for pre-upgrade and manual snapshots, the dumps of every database of
// the site in <state>/dumps/<name>/<role>/ (named by the commit's "dumps" label).  Listing,
// taking a manual one, and pruning old ones.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "civiup/site/site.hpp"

namespace civiup {

struct SiteSnapshot {
  std::string id;       // the code snapshot's commit id
  int64_t created = 0;  // Unix seconds
  std::string kind;     // pre-upgrade, post-upgrade, manual
  std::string code_version;
  std::string db_version;
  std::string message;
  std::string dumps;          // the dumps directory name ("" for code-only snapshots)
  bool dumps_usable = false;  // every database's dump complete and committed
  uint64_t dump_bytes = 0;
  std::vector<std::string> databases;  // the roles it holds dumps of: civicrm, backdrop, logging
};

// Newest first; empty when the state directory has no repository yet.
std::vector<SiteSnapshot> list_site_snapshots(const std::filesystem::path& state_dir);

// Code and every database now (online: each database is consistent in itself).
SiteSnapshot take_site_snapshot(const std::filesystem::path& root, const std::filesystem::path& state_dir,
                                const std::string& message);

struct PruneResult {
  std::vector<std::string> removed;  // snapshot ids
  uint64_t bytes_before = 0;         // dumps + code objects on disk
  uint64_t bytes_after = 0;
};

// Keeps the newest `keep` snapshots, and always the snapshot an unfinished
// journal may need and the newest pre-upgrade one; removes the rest with
// their dumps, then garbage-collects the code repository.
PruneResult prune_site_snapshots(const std::filesystem::path& state_dir, size_t keep);

}  // namespace civiup
