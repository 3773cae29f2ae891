// The process's memory (process_memory.hpp): the peak it reports, and the
// free pages that release_free_memory gives back.
#include "civiup/system/process_memory.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace civiup {
namespace {

uint64_t rss_anon_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("RssAnon:", 0) == 0) return std::stoull(line.substr(8));
  return 0;
}

TEST(ProcessMemory, PeakRssCountsWhatWasTouched) {
  const uint64_t before = peak_rss_kib();
  ASSERT_GT(before, 0u);
  std::vector<char> touched(32u << 20, 1);
  EXPECT_GE(peak_rss_kib(), before + (24u << 10)) << "32 MB written";
}

// A worker's 32 MB of small blocks freed but for one in 64: the holes stay
// resident in the arena until release_free_memory gives them back.
TEST(ProcessMemory, ReleaseGivesBackAWorkersFreedBlocks) {
#ifdef __SANITIZE_ADDRESS__
  // AddressSanitizer replaces glibc's allocator (no arenas, malloc_trim does
  // nothing): what this test measures exists only in the normal build.
  GTEST_SKIP() << "glibc's allocator is replaced by AddressSanitizer's in this build";
#endif
  std::vector<std::unique_ptr<char[]>> kept;
  std::thread worker([&] {
    std::vector<std::unique_ptr<char[]>> blocks;
    for (int i = 0; i < 8192; ++i) {
      blocks.emplace_back(new char[4000]);
      std::fill_n(blocks.back().get(), 4000, 'x');
    }
    for (size_t i = 0; i < blocks.size(); i += 64) kept.push_back(std::move(blocks[i]));
  });
  worker.join();
  const uint64_t freed = rss_anon_kib();
  release_free_memory();
  const uint64_t released = rss_anon_kib();
  EXPECT_LT(released + (16u << 10), freed) << "RssAnon " << freed << " KiB -> " << released << " KiB";
}

}  // namespace
}  // namespace civiup
