// Staging reports through Progress (one step per tarball, counted in
// entries), and a Progress that throws mid-way — an injected fault, an
// interrupt — fails the staging cleanly: no staging directory is left.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "civiup/base/progress.hpp"
#include "civiup/release/release.hpp"
#include "hostile/hostile_site.hpp"
#include "support/temp_dir.hpp"

namespace civiup::hostile {
namespace {

struct RecordingProgress : Progress {
  std::vector<std::string> steps;
  uint64_t total = 0;
  uint64_t units = 0;
  uint64_t bytes = 0;
  int advances = 0;
  int ends = 0;
  int throw_at_advance = 0;  // 0: never

  void begin(std::string_view step, uint64_t total_units, std::string_view unit) override {
    steps.push_back(std::string(step) + " / " + std::string(unit));
    total = total_units;
  }
  void advance(uint64_t more_units, uint64_t more_bytes) override {
    units += more_units;
    bytes += more_bytes;
    if (++advances == throw_at_advance) throw std::runtime_error("injected fault in progress");
  }
  void end() override { ++ends; }
};

fs::path release_with_many_entries(const fs::path& dir) { return good_release(dir, kTo, 700, 512 * 1024); }

TEST(StagingProgress, ReportsEntriesOfEachTarballAndEnds) {
  test::TempDir temp;
  ReleaseTarball release = ReleaseTarball::verify(release_with_many_entries(temp / "release"));
  RecordingProgress progress;
  StagedRelease staged = stage_release(release, nullptr, temp / "staging", ReferenceTree{}, &progress);
  ASSERT_EQ(progress.steps.size(), 1u);
  EXPECT_EQ(progress.steps[0], "unpacking " + release.path().filename().string() + " / entries");
  EXPECT_EQ(progress.total, release.entry_count());
  EXPECT_EQ(progress.units, release.entry_count());
  EXPECT_EQ(progress.bytes, release.unpacked_bytes());
  EXPECT_GE(progress.advances, static_cast<int>(release.entry_count() / 200));
  EXPECT_EQ(progress.ends, 1);
  EXPECT_EQ(staged.version.str(), kTo);
}

TEST(StagingProgress, AThrowingProgressFailsTheStagingAndLeavesNothing) {
  test::TempDir temp;
  ReleaseTarball release = ReleaseTarball::verify(release_with_many_entries(temp / "release"));
  ASSERT_GT(release.entry_count(), 400u);
  RecordingProgress progress;
  progress.throw_at_advance = 2;
  EXPECT_THROW(stage_release(release, nullptr, temp / "staging", ReferenceTree{}, &progress), std::runtime_error);
  EXPECT_EQ(progress.ends, 1) << "end() is called on failure too";
  EXPECT_FALSE(fs::exists(temp / "staging"));
}

}  // namespace
}  // namespace civiup::hostile
