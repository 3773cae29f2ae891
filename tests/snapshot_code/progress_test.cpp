// What a code snapshot and a restore tell their Progress, and that a Progress
// which throws (an interrupt, an injected fault) fails them cleanly: no
// snapshot named, no pack left behind, the restore target as it was.
#include <atomic>
#include <mutex>
#include <stdexcept>

#include "code_snapshot_fixture.hpp"

namespace civiup::test {
namespace {

class RecordingProgress : public civiup::Progress {
 public:
  void begin(std::string_view step, uint64_t count, std::string_view what) override {
    std::lock_guard lock(mutex_);
    steps.emplace_back(step);
    total = count;
    unit = what;
  }
  void advance(uint64_t units, uint64_t bytes) override {
    units_done += units;
    bytes_done += bytes;
    ++calls;
  }
  void end() override { ++ends; }

  std::mutex mutex_;
  std::vector<std::string> steps;
  uint64_t total = 0;
  std::string unit;
  std::atomic<uint64_t> units_done{0};
  std::atomic<uint64_t> bytes_done{0};
  std::atomic<int> calls{0};
  std::atomic<int> ends{0};
};

// Fails the first time any work is reported done.
class ThrowingProgress : public RecordingProgress {
 public:
  void advance(uint64_t units, uint64_t bytes) override {
    RecordingProgress::advance(units, bytes);
    if (units > 0) throw std::runtime_error("interrupted by the test");
  }
};

class ProgressTest : public CodeSnapshotTest {
 protected:
  // 300 files (more than one report's worth) and a symlink, which counts as a file.
  static constexpr uint64_t kFiles = 301;
  void write_site() {
    for (int i = 0; i < 300; ++i)
      write_file(site() / fmt::format("dir{}/file{}.php", i % 7, i), fmt::format("<?php // {}\n", i));
    make_symlink("dir0/file0.php", site() / "link.php");
  }
  snap::CodeSnapshotResult take_with(civiup::Progress& progress) {
    snap::CodeSnapshotSpec spec;
    spec.root = site();
    spec.paths = {"."};
    spec.durable = false;
    spec.progress = &progress;
    return repository().snapshot(spec);
  }
  void restore_with(const std::string& id, const fs::path& target, civiup::Progress& progress) {
    snap::RestoreOptions options;
    options.sync = false;
    options.progress = &progress;
    repository().restore(id, target, options);
  }
  std::vector<fs::path> packs() {
    std::vector<fs::path> out;
    for (const auto& file : fs::directory_iterator(repository().directory() / "objects/pack"))
      out.push_back(file.path());
    return out;
  }
};

TEST_F(ProgressTest, ASnapshotReportsEveryFileBetweenBeginAndEnd) {
  write_site();
  wait_for_a_clock_tick();  // else a file of the stat cache's tick is rehashed by the repeat
  RecordingProgress first;
  take_with(first);
  EXPECT_EQ(first.steps, std::vector<std::string>{"snapshotting code"});
  EXPECT_EQ(first.total, kFiles);
  EXPECT_EQ(first.unit, "files");
  EXPECT_EQ(first.units_done, kFiles);
  EXPECT_GT(first.bytes_done, 0u);
  EXPECT_GT(first.calls, 1) << "reports as it goes, not once at the end";
  EXPECT_EQ(first.ends, 1);

  // A repeat reads nothing, and still accounts for every file.
  RecordingProgress repeat;
  take_with(repeat);
  EXPECT_EQ(repeat.total, kFiles);
  EXPECT_EQ(repeat.units_done, kFiles);
  EXPECT_EQ(repeat.bytes_done, 0u);
  EXPECT_EQ(repeat.ends, 1);
}

TEST_F(ProgressTest, ARestoreReportsEveryFileBetweenBeginAndEnd) {
  write_site();
  auto result = take();
  RecordingProgress progress;
  restore_with(result.info.id, fresh_dir(), progress);
  EXPECT_EQ(progress.steps, std::vector<std::string>{"restoring code"});
  EXPECT_EQ(progress.total, kFiles);
  EXPECT_EQ(progress.unit, "files");
  EXPECT_EQ(progress.units_done, kFiles);
  EXPECT_GT(progress.calls, 1);
  EXPECT_EQ(progress.ends, 1);
}

TEST_F(ProgressTest, ASnapshotWhoseProgressThrowsIsNotNamedAndLeavesNoPack) {
  write_site();
  auto kept = take();
  std::size_t packs_before = packs().size();
  write_file(site() / "dir0/new.php", "<?php // new\n");
  ThrowingProgress progress;
  EXPECT_THROW(take_with(progress), std::runtime_error);
  EXPECT_EQ(progress.ends, 1) << "end() is called on failure too";
  ASSERT_EQ(repository().list().size(), 1u);
  EXPECT_EQ(repository().list().front().id, kept.info.id);
  EXPECT_EQ(packs().size(), packs_before);
  EXPECT_FALSE(fs::exists(repository().directory() / "civiup-incoming"));

  // The next snapshot sees the change, and the repository is sound.
  auto next = take();
  EXPECT_EQ(tree_differences(describe_tree(site()), restored(next.info.id)), "");
  shell(fmt::format("git --git-dir={} fsck --full --no-dangling --strict", quoted(repository().directory())));
}

TEST_F(ProgressTest, ARestoreWhoseProgressThrowsLeavesTheTargetAsItWas) {
  write_site();
  auto result = take();
  fs::path absent = fresh_dir("absent");
  ThrowingProgress progress;
  EXPECT_THROW(restore_with(result.info.id, absent, progress), std::runtime_error);
  EXPECT_EQ(progress.ends, 1);
  EXPECT_FALSE(fs::exists(absent)) << "a target the restore created is removed again";

  fs::path empty = fresh_dir("empty");
  fs::create_directories(empty);
  ThrowingProgress again;
  EXPECT_THROW(restore_with(result.info.id, empty, again), std::runtime_error);
  EXPECT_TRUE(fs::is_directory(empty));
  EXPECT_TRUE(fs::is_empty(empty)) << "a target that was empty is emptied again";
}

}  // namespace
}  // namespace civiup::test
