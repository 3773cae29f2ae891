#pragma once
// What every operation of CodeRepository shares: the open repository, where
// its pieces live, and reading a snapshot commit back.
#include <filesystem>
#include <string>
#include <string_view>

#include "civiup/snapshot/code/code_repository.hpp"
#include "git_handles.hpp"
#include "manifest.hpp"

namespace civiup::snapshot {

inline constexpr std::string_view kSnapshotRefPrefix = "refs/civiup/snapshots/";

struct CodeRepositoryState {
  std::filesystem::path directory;
  RepositoryHandle repository;

  // The stat cache: a git index that lives beside (not as) the bare
  // repository's index, so stock git commands never touch it.
  std::filesystem::path index_path() const { return directory / "civiup-index"; }
  // New objects land here and move into objects/ only once they are on disk.
  std::filesystem::path incoming_path() const { return directory / "civiup-incoming"; }
  std::filesystem::path objects_path() const { return directory / "objects"; }

  git_oid resolve(std::string_view id) const;  // the snapshot's commit id
};

// A snapshot commit, opened.
struct SnapshotCommit {
  git_oid id{};
  TreeHandle root;
  git_oid content_tree{};  // root/tree

  std::string read_blob(git_repository* repository, const char* name) const;
  Manifest manifest(git_repository* repository) const;
  CodeSnapshotInfo info(git_repository* repository) const;
};

SnapshotCommit open_snapshot(git_repository* repository, const git_oid& id);

std::string oid_hex(const git_oid& id);

}  // namespace civiup::snapshot
