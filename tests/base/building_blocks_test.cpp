// base/'s building blocks (docs/ARCHITECTURE.md): UniqueFd, parallel_for and
// the private directories, on real descriptors, threads and directories.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "civiup/base/parallel_for.hpp"
#include "civiup/base/private_files.hpp"
#include "civiup/base/unique_fd.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {

namespace fs = std::filesystem;

bool is_open(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

mode_t mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777;
}

// Sets the umask for one test, and puts the old one back.
class Umask {
 public:
  explicit Umask(mode_t mask) : old_(::umask(mask)) {}
  ~Umask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST(UniqueFd, ClosesWhenItGoesAndMovesOwnership) {
  int raw = -1;
  {
    UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd);
    raw = fd.get();
    UniqueFd moved = std::move(fd);
    EXPECT_FALSE(fd);  // NOLINT(bugprone-use-after-move): the moved-from state is what is tested
    EXPECT_EQ(moved.get(), raw);
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw)) << "the descriptor outlived its UniqueFd";

  UniqueFd kept(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int released = kept.release();
  kept.reset();
  EXPECT_TRUE(is_open(released)) << "release() must give the descriptor up, not close it";
  ::close(released);
}

TEST(UniqueFd, CloseReportsTheError) {
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(fd);
  EXPECT_EQ(fd.close(), 0);
  EXPECT_FALSE(fd);
  // A descriptor someone else closed already: close(2) fails, and says so.
  int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ::close(raw);
  UniqueFd stale(raw);
  EXPECT_EQ(stale.close(), EBADF);
}

TEST(UniqueFd, PipeEndsCloseWithThePipe) {
  int read_end = -1, write_end = -1;
  {
    Pipe pipe = make_pipe("pipe");
    read_end = pipe.read.get();
    write_end = pipe.write.get();
    EXPECT_EQ(::fcntl(read_end, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    EXPECT_EQ(::write(write_end, "x", 1), 1);
  }
  EXPECT_FALSE(is_open(read_end));
  EXPECT_FALSE(is_open(write_end));
}

TEST(ParallelFor, RunsEveryIndexOnceOnTheCallingThreadAndHelpers) {
  std::vector<std::atomic<int>> runs(1000);
  std::mutex mutex;
  std::set<std::thread::id> threads;
  parallel_for(runs.size(), 3, [&](size_t i) {
    runs[i]++;
    std::lock_guard lock(mutex);
    threads.insert(std::this_thread::get_id());
  });
  for (size_t i = 0; i < runs.size(); ++i) ASSERT_EQ(runs[i].load(), 1) << "index " << i;
  EXPECT_LE(threads.size(), 3u);

  // One index: no helper thread, the caller runs it.
  std::thread::id ran_on;
  parallel_for(1, 4, [&](size_t) { ran_on = std::this_thread::get_id(); });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(ParallelFor, TheFirstErrorStopsTheRestAndIsRethrown) {
  std::atomic<size_t> started{0};
  std::atomic<bool> stop{false};
  try {
    parallel_for(
        10000, 2,
        [&](size_t i) {
          started++;
          if (i == 3) throw std::runtime_error("index 3 failed");
          std::this_thread::sleep_for(std::chrono::microseconds(50));
        },
        1, &stop);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "index 3 failed");
  }
  EXPECT_TRUE(stop.load()) << "the shared stop flag is how long bodies learn of the failure";
  EXPECT_LT(started.load(), 100u) << "indices went on starting after the failure";
}

TEST(ParallelFor, RangesCoverTheCountInGrains) {
  std::mutex mutex;
  std::vector<std::pair<size_t, size_t>> ranges;
  parallel_for_ranges(10, 2, 4, [&](size_t begin, size_t end) {
    std::lock_guard lock(mutex);
    ranges.emplace_back(begin, end);
  });
  std::sort(ranges.begin(), ranges.end());
  EXPECT_EQ(ranges, (std::vector<std::pair<size_t, size_t>>{{0, 4}, {4, 8}, {8, 10}}));
}

TEST(PrivateDirectory, CreatedOwnerOnlyWhateverTheUmask) {
  test::TempDir tmp;
  Umask mask(0277);  // mkdir(0700) alone would leave it 0500
  EXPECT_EQ(create_private_directory(tmp / "new"), 0);
  EXPECT_EQ(mode_of(tmp / "new"), 0700u);
  // Its parent must exist.
  EXPECT_EQ(create_private_directory(tmp / "missing" / "new"), ENOENT);
}

TEST(PrivateDirectory, AnExistingOneIsLeftAsItIs) {
  test::TempDir tmp;
  fs::create_directory(tmp / "there");
  ::chmod((tmp / "there").c_str(), 0755);
  EXPECT_EQ(create_private_directory(tmp / "there"), EEXIST);
  EXPECT_EQ(mode_of(tmp / "there"), 0755u);
}

TEST(PrivateDirectory, MadePrivateWithItsParentsAndAgainWhenItExists) {
  test::TempDir tmp;
  Umask mask(0022);
  make_private_directory(tmp / "a" / "b");
  EXPECT_EQ(mode_of(tmp / "a" / "b"), 0700u);
  EXPECT_EQ(mode_of(tmp / "a"), 0755u) << "parents keep the umask's mode";
  ::chmod((tmp / "a" / "b").c_str(), 0755);
  make_private_directory(tmp / "a" / "b");
  EXPECT_EQ(mode_of(tmp / "a" / "b"), 0700u);
}

}  // namespace
}  // namespace civiup
