// A tree the size of a real CiviCRM release (about 16,000 files, 165 MB):
// first snapshot, unchanged repeat, repeat with 50 files changed, and a
// restore compared entry by entry with the original.  Not a timing test
// (scripts/bench code measures); it checks that the stat cache does its job
// at scale: the repeats hash nothing, or only what changed.
#include <algorithm>
#include <chrono>
#include <iostream>

#include "code_snapshot_fixture.hpp"
#include "testbed/testbed.hpp"

namespace civiup::test {
namespace {

using ReleaseScale = CodeSnapshotTest;

// What a release never has but a live site's modules/civicrm may: links,
// empty directories, private modes, the web server's owner.
void add_site_quirks(const fs::path& civicrm) {
  make_symlink("packages/jquery", civicrm / "jquery-link");
  make_symlink("/etc/civicrm/absolute-and-dangling", civicrm / "dangling");
  fs::create_directories(civicrm / "templates_c/en_US");
  fs::create_directories(civicrm / "extensions/empty");
  write_file(civicrm / "civicrm.settings.php", "<?php // secrets\n", 0640);
  write_file(civicrm / "setgid-dir/x.php", "<?php\n");
  set_mode(civicrm / "setgid-dir", 02775);
  if (running_as_root()) {
    set_owner(civicrm / "civicrm.settings.php", 33, 33);
    set_owner(civicrm / "extensions", 33, 33);
    set_owner(civicrm / "jquery-link", 33, 1033);
  }
}

// Every `stride`-th regular file, in a stable order.
std::vector<fs::path> pick_files(const fs::path& root, std::size_t count, std::size_t stride) {
  std::vector<fs::path> all;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file() && !entry.is_symlink()) all.push_back(entry.path());
  }
  std::sort(all.begin(), all.end());
  std::vector<fs::path> out;
  for (std::size_t i = 0; i < all.size() && out.size() < count; i += stride) out.push_back(all[i]);
  return out;
}

// Prints how long each step took (for the record, never asserted: the machine may be busy).
class StepClock {
 public:
  void step(const char* name) {
    auto now = std::chrono::steady_clock::now();
    std::cerr << "[ step     ] " << name << ": " << std::chrono::duration<double>(now - last_).count() << " s\n";
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

TEST_F(ReleaseScale, FirstSnapshotRepeatsAndExactRestore) {
  StepClock clock;
  testbed::write_release_tree(site() / "modules", testbed::ReleaseSpec::release_scale("5.75.0"));
  fs::path civicrm = site() / "modules/civicrm";
  add_site_quirks(civicrm);
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(civicrm)) files += entry.is_regular_file() ? 1U : 0U;
  ASSERT_GT(files, 15'000u);
  clock.step("generate");

  auto first = take({"modules/civicrm"});
  EXPECT_EQ(first.files_hashed, files + 2) << "every file and both symlinks";
  EXPECT_GT(first.bytes_hashed, 150'000'000u);
  clock.step("first snapshot");

  auto unchanged = take({"modules/civicrm"});
  EXPECT_LE(unchanged.files_hashed, 5u) << "an unchanged tree should only be stat'ed";
  EXPECT_EQ(unchanged.entries, first.entries);
  clock.step("unchanged repeat");

  std::vector<fs::path> changed = pick_files(civicrm, 50, 300);
  ASSERT_EQ(changed.size(), 50u);
  for (const auto& path : changed) {
    auto mode = static_cast<mode_t>(fs::status(path).permissions());
    write_file(path, read_bytes(path) + "\n// local patch\n", mode);
  }
  auto patched = take({"modules/civicrm"});
  EXPECT_GE(patched.files_hashed, 50u);
  EXPECT_LE(patched.files_hashed, 55u);
  clock.step("change 50 files and snapshot");

  auto diff = repository().diff(first.info.id, patched.info.id);
  EXPECT_EQ(diff.size(), 50u);
  for (const auto& change : diff) EXPECT_EQ(change.kind, snap::PathChangeKind::modified) << change.path;
  clock.step("diff");

  TreeDescription original = describe_tree(site());
  TreeDescription back = restored(patched.info.id);
  clock.step("describe and restore");
  EXPECT_EQ(original.size(), back.size());
  EXPECT_EQ(tree_differences(original, back), "");
  clock.step("compare");
  EXPECT_TRUE(repository().diff_live(patched.info.id, site()).empty());
  clock.step("diff live");
}

}  // namespace
}  // namespace civiup::test
