#pragma once
// Code snapshots: selected paths of a tree committed to a bare git repository
// in the state directory, with a manifest for what git cannot keep (exact
// modes, owners, empty directories, nested .git names).  A snapshot restores
// byte for byte into an empty directory, with civiup or by hand with stock git
// (docs/code-snapshots.md).  Knows nothing of CiviCRM or Backdrop.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "civiup/base/progress.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

// What to snapshot: `paths` (files or directory trees, relative to `root`)
// minus `exclude`.  An exclude pattern with a '/' is matched (fnmatch, '*'
// stops at '/') against the whole relative path, one without against the
// name; an excluded directory is left out with everything under it.
struct CodeSnapshotSpec {
  fs::path root;
  std::vector<std::string> paths;
  std::vector<std::string> exclude;
  std::string message;
  std::map<std::string, std::string> labels;
  std::string tool_version;
  // Return only once the commit would survive a power cut (the new pack
  // fsynced before the snapshot is named, then one syncfs).
  bool durable = true;
  // Told "snapshotting code", the number of files (and symlinks), and how many
  // are done every 64 or so, from worker threads.  Null: no_progress().  If it
  // throws, the snapshot fails and is not named.
  Progress* progress = nullptr;
};

struct CodeSnapshotInfo {
  std::string id;               // the commit id, 40 hex digits
  std::int64_t created = 0;     // Unix seconds
  std::int64_t created_ns = 0;  // Unix nanoseconds: orders snapshots taken within one second
  std::string message;
  std::string tool_version;
  std::map<std::string, std::string> labels;
  std::string root;  // where it was taken from, and what
  std::vector<std::string> paths;
  std::vector<std::string> exclude;
};

struct CodeSnapshotResult {
  CodeSnapshotInfo info;
  std::size_t entries = 0;       // files, symlinks and directories recorded
  std::size_t files_hashed = 0;  // read because the stat cache could not vouch for them
  std::uint64_t bytes_hashed = 0;
  std::vector<std::string> skipped;  // sockets, fifos, devices: never snapshotted
};

enum class PathChangeKind { added, removed, modified };

struct PathChange {
  PathChangeKind kind;
  std::string path;  // relative to the snapshot root
  bool operator==(const PathChange&) const = default;
};

std::string_view to_string(PathChangeKind kind);

struct RestoreOptions {
  bool apply_owners = true;  // lchown to the recorded uid/gid (needs root; skipped otherwise)
  bool sync = true;          // syncfs the restored tree before returning
  // Told "restoring code", the number of files (and symlinks), and how many
  // are written every 64 or so, from worker threads.  Null: no_progress().  If
  // it throws, the restore fails and empties the target again.
  Progress* progress = nullptr;
};

struct GarbageCollection {
  std::size_t objects_kept = 0;
  std::uint64_t bytes_before = 0;  // objects/ on disk
  std::uint64_t bytes_after = 0;
};

struct CodeRepositoryState;  // the open repository (src/code/repository_state.hpp)

class CodeRepository {
 public:
  // Opens the bare repository at `directory`, creating it (mode 0700) if missing.
  static CodeRepository open(const fs::path& directory);

  CodeRepository(CodeRepository&&) noexcept;
  CodeRepository& operator=(CodeRepository&&) noexcept;
  ~CodeRepository();

  const fs::path& directory() const;

  // One commit of spec.paths; repeat snapshots of unchanged files only stat them.
  CodeSnapshotResult snapshot(const CodeSnapshotSpec& spec);

  // Newest first.
  std::vector<CodeSnapshotInfo> list() const;
  // By full id or a unique prefix (at least 4 hex digits).
  CodeSnapshotInfo find(std::string_view id) const;

  // Restores into `target`, which must not exist or be an empty directory.
  void restore(std::string_view id, const fs::path& target, const RestoreOptions& options = {}) const;

  // Paths added, removed or modified (content, type, mode or owner) from `from` to `to`.
  std::vector<PathChange> diff(std::string_view from, std::string_view to) const;
  // From snapshot `id` to the live tree under `root` (same paths and excludes as the snapshot).
  std::vector<PathChange> diff_live(std::string_view id, const fs::path& root) const;

  // Forgets a snapshot; its objects stay on disk until collect_garbage().
  void remove(std::string_view id);
  // Repacks what the remaining snapshots (and the stat cache) reach; deletes the rest.
  GarbageCollection collect_garbage();

 private:
  explicit CodeRepository(std::unique_ptr<CodeRepositoryState> state);
  std::unique_ptr<CodeRepositoryState> state_;
};

}  // namespace civiup::snapshot
