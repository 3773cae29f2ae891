// The state directory's trash as a unit: renames under unique names, deletes
// whole trees, and deletes at once what it cannot rename (another filesystem).
// The background deleter itself: tests/upgrade/trash_test.cpp.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/transaction/state_trash.hpp"
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

// A run that needs the space the trash holds empties it first, waiting for
// the deleter that holds the lock (here: this test).
TEST(StateTrash, ARunThatNeedsTheSpaceWaitsForTheDeleterThenEmptiesIt) {
  test::TempDir tmp;
  fs::path state = tmp.path() / "state";
  fs::create_directories(state / "staging");
  make_tree(state / "staging" / "run1");
  ::chmod((state / "staging" / "run1" / "a" / "b").c_str(), 0755);
  move_to_trash(state, state / "staging" / "run1");

  UniqueFd lock(::open((state / "trash.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  ASSERT_GE(lock.get(), 0);
  ASSERT_EQ(::flock(lock.get(), LOCK_EX), 0);
  ASSERT_EQ(::pwrite(lock.get(), "4242\n", 5, 0), 5);
  EXPECT_EQ(inspect_trash(state).deleter_pid, 4242);
  // Not the foreground mode the suite runs in: only the need for space may make it wait.
  ::unsetenv("CIVIUP_SYNC_DELETE");
  auto sweep = std::async(std::launch::async, [&] { sweep_trash(state, UINT64_MAX); });
  EXPECT_EQ(sweep.wait_for(std::chrono::seconds(1)), std::future_status::timeout) << "the sweep did not wait";
  EXPECT_FALSE(fs::is_empty(state / "trash"));
  lock.reset();
  sweep.get();
  ::setenv("CIVIUP_SYNC_DELETE", "1", 1);
  EXPECT_TRUE(fs::is_empty(state / "trash"));
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
