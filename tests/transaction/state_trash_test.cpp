// The state directory's trash as a unit: renames under unique names, deletes
// whole trees, and deletes at once what it cannot rename (another filesystem).
// The background deleter itself: tests/upgrade/trash_test.cpp.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include "civiup/snapshot/durable_file.hpp"
#include "civiup/state_trash.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {
namespace fs = std::filesystem;

void make_tree(const fs::path& root) {
  fs::create_directories(root / "a" / "b" / "c");
  write_file_durably(root / "top.php", "<?php\n", 0644);
  write_file_durably(root / "a" / "b" / "c" / "deep.php", "<?php\n", 0444);
  fs::create_symlink("../top.php", root / "a" / "link");
  ::chmod((root / "a" / "b").c_str(), 0555);  // a read-only directory in the old tree
}

TEST(StateTrash, RenamesUnderUniqueNamesAndEmptiesWholeTrees) {
  test::TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::create_directories(state / "staging");
  make_tree(state / "staging" / "run1");
  move_to_trash(state, state / "staging" / "run1");
  make_tree(state / "staging" / "run1");
  move_to_trash(state, state / "staging" / "run1");
  move_to_trash(state, state / "staging" / "absent");  // absent is fine

  EXPECT_FALSE(fs::exists(state / "staging" / "run1"));
  EXPECT_TRUE(fs::exists(state / "trash" / "staging-run1" / "a" / "b" / "c" / "deep.php"));
  EXPECT_TRUE(fs::exists(state / "trash" / "staging-run1.1" / "top.php"));
  struct stat info {};
  ASSERT_EQ(::stat((state / "trash").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 07777, 0700u);
  EXPECT_GT(inspect_trash(state).bytes, 0u);

  // As root a read-only directory does not stop the deleter; as a user it would, as it stops rm -rf.
  if (::geteuid() != 0) ::chmod((state / "trash" / "staging-run1" / "a" / "b").c_str(), 0755);
  if (::geteuid() != 0) ::chmod((state / "trash" / "staging-run1.1" / "a" / "b").c_str(), 0755);
  empty_trash(state);
  EXPECT_TRUE(fs::is_empty(state / "trash"));
  EXPECT_EQ(inspect_trash(state).bytes, 0u);
  EXPECT_FALSE(inspect_trash(state).deleter_pid) << "no deleter holds the lock once it is done";
}

TEST(StateTrash, APathOnAnotherFilesystemIsDeletedAtOnce) {
  test::TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::create_directories(state);
  fs::path elsewhere = fs::path("/dev/shm") / ("civiup-trash-test-" + std::to_string(::getpid()));
  make_tree(elsewhere);
  ::chmod((elsewhere / "a" / "b").c_str(), 0755);
  move_to_trash(state, elsewhere);
  EXPECT_FALSE(fs::exists(elsewhere)) << "moved or deleted, never left";
  std::error_code error;
  fs::remove_all(elsewhere, error);
}

}  // namespace
}  // namespace civiup
