#pragma once
// Shared scenery for the code snapshot tests: a temp dir holding a live tree
// ("site/") and a snapshot repository ("repo/"), helpers to build odd files,
// and an exact description of a tree (type, mode, owner, content or link
// target of every entry, never following a symlink) to compare round trips.
#include <gtest/gtest.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "civiup/base/error.hpp"
#include "civiup/snapshot/code/code_repository.hpp"
#include "support/temp_dir.hpp"

namespace civiup::test {

namespace fs = std::filesystem;
namespace snap = civiup::snapshot;

struct TreeEntry {
  char type = '?';         // 'd', 'f', 'l'
  std::uint32_t mode = 0;  // 07777 bits (0 for symlinks: their mode means nothing)
  uid_t uid = 0;
  gid_t gid = 0;
  std::string content;  // file bytes or link target (directories: empty)
  bool operator==(const TreeEntry&) const = default;
};

using TreeDescription = std::map<std::string, TreeEntry>;  // by path relative to the root

// Every entry under `root` (not `root` itself), lstat only.
TreeDescription describe_tree(const fs::path& root);

// Readable differences between two descriptions ("" when equal); for EXPECT messages.
std::string tree_differences(const TreeDescription& expected, const TreeDescription& actual);

// Files and links with exact modes and owners.
void write_file(const fs::path& path, const std::string& content, mode_t mode = 0644);
void make_symlink(const std::string& target, const fs::path& link);
void set_owner(const fs::path& path, uid_t uid, gid_t gid);  // lchown
void set_mode(const fs::path& path, mode_t mode);
std::string read_bytes(const fs::path& path);

// Runs a shell command line (sh -c); returns stdout, fails the test on a non-zero exit.
std::string shell(const std::string& command);
std::string quoted(const fs::path& path);  // single-quoted for sh

bool running_as_root();

class CodeSnapshotTest : public ::testing::Test {
 protected:
  CodeSnapshotTest();

  // A snapshot of `paths` under site(), not synced (tests need no power-cut safety).
  snap::CodeSnapshotResult take(const std::vector<std::string>& paths = {"."},
                                const std::vector<std::string>& exclude = {});
  // Restores `id` into a fresh directory and returns its description.
  TreeDescription restored(const std::string& id);
  // Snapshot, restore into a fresh directory, and expect it to equal the live tree.
  void expect_round_trip();
  // File times come from a coarse clock (one kernel tick): a file written in
  // the tick the stat cache is written in is racily clean and rehashed next
  // time (git's rule).  Tests that expect nothing rehashed wait a tick first.
  static void wait_for_a_clock_tick();

  const fs::path& site() const { return site_; }
  snap::CodeRepository& repository() { return repository_; }
  fs::path fresh_dir(const std::string& name = "out");

  TempDir temp_;

 private:
  fs::path site_;
  snap::CodeRepository repository_;
  int fresh_count_ = 0;
};

}  // namespace civiup::test
