// What a snapshot selects, what it records about itself, where it may be
// restored, and how snapshots are listed, found, compared and deleted.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>

#include "code_snapshot_fixture.hpp"

namespace civiup::test {
namespace {

using snap::PathChange;
using snap::PathChangeKind;

std::vector<std::string> paths_of(const TreeDescription& tree) {
  std::vector<std::string> out;
  for (const auto& [path, entry] : tree) out.push_back(path);
  return out;
}

std::string incompressible(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(generator() & 0xFF);
  return out;
}

// A tiny Backdrop-like site.
void write_small_site(const fs::path& root) {
  write_file(root / "index.php", "<?php // backdrop\n");
  write_file(root / "settings.php", "<?php $database = 'x';\n", 0640);
  write_file(root / "modules/civicrm/civicrm.module", "<?php\n");
  write_file(root / "modules/civicrm/packages/x.php", "<?php\n");
  write_file(root / "modules/views/views.module", "<?php\n");
  write_file(root / "files/civicrm/templates_c/en_US/compiled.php", "compiled\n");
  write_file(root / "files/civicrm/upload/photo.jpg", "jpeg\n");
  write_file(root / "files/civicrm/custom/ext.php", "<?php\n");
  write_file(root / "files/civicrm/ConfigAndLog/CiviCRM.log", "log\n");
}

// --- what a snapshot selects ---------------------------------------------

using Selection = CodeSnapshotTest;

TEST_F(Selection, OnlyTheGivenPathsAndTheirAncestorsAreRecorded) {
  write_small_site(site());
  set_mode(site() / "modules", 0750);
  auto result = take({"modules/civicrm", "settings.php"});
  TreeDescription back = restored(result.info.id);
  EXPECT_EQ(paths_of(back),
            (std::vector<std::string>{"modules", "modules/civicrm", "modules/civicrm/civicrm.module",
                                      "modules/civicrm/packages", "modules/civicrm/packages/x.php", "settings.php"}));
  EXPECT_EQ(back.at("modules").mode, 0750u) << "an ancestor keeps its mode";
  EXPECT_EQ(back.at("settings.php").mode, 0640u);
}

TEST_F(Selection, AParentListedAfterItsChildIsStillWalkedWhole) {
  write_small_site(site());
  auto result = take({"modules/civicrm", "modules"});
  TreeDescription back = restored(result.info.id);
  EXPECT_EQ(back.count("modules/views/views.module"), 1u);
  EXPECT_EQ(back.count("modules/civicrm/packages/x.php"), 1u);
}

TEST_F(Selection, NamePatternsExcludeAtAnyDepthAndPathPatternsOnlyThere) {
  write_small_site(site());
  write_file(site() / "modules/civicrm/templates_c/keep-me-not", "x\n");
  write_file(site() / "modules/civicrm/debug.log", "x\n");
  auto result = take({"."}, {"templates_c", "*.log", "files/civicrm/upload"});
  TreeDescription back = restored(result.info.id);
  EXPECT_EQ(back.count("files/civicrm/templates_c"), 0u);
  EXPECT_EQ(back.count("modules/civicrm/templates_c"), 0u);
  EXPECT_EQ(back.count("modules/civicrm/debug.log"), 0u);
  EXPECT_EQ(back.count("files/civicrm/ConfigAndLog/CiviCRM.log"), 0u);
  EXPECT_EQ(back.count("files/civicrm/upload"), 0u);
  EXPECT_EQ(back.count("files/civicrm/custom/ext.php"), 1u);
  EXPECT_EQ(back.count("files/civicrm/ConfigAndLog"), 1u) << "the directory itself is not excluded";
}

TEST_F(Selection, PathPatternStarStopsAtSlash) {
  write_file(site() / "files/a/upload/x", "x\n");
  write_file(site() / "files/a/b/upload/y", "y\n");
  auto result = take({"."}, {"files/*/upload"});
  TreeDescription back = restored(result.info.id);
  EXPECT_EQ(back.count("files/a/upload"), 0u);
  EXPECT_EQ(back.count("files/a/b/upload/y"), 1u);
}

TEST_F(Selection, ExcludedDirectoriesAreNotEvenWalked) {
  write_file(site() / "keep/a", "a\n");
  fs::create_directories(site() / "cache");
  ASSERT_EQ(::mkfifo((site() / "cache/fifo").c_str(), 0644), 0);
  auto result = take({"."}, {"cache"});
  EXPECT_TRUE(result.skipped.empty()) << "the walk went into an excluded directory";
  EXPECT_EQ(restored(result.info.id).count("cache"), 0u);
}

TEST_F(Selection, PathsOutsideTheRootOrThroughGitAreRefused) {
  write_file(site() / "a", "a\n");
  EXPECT_THROW(take({"../outside"}), Error);
  EXPECT_THROW(take({"/etc"}), Error);
  EXPECT_THROW(take({"a/../../x"}), Error);
  EXPECT_THROW(take({"vendor/.git/config"}), Error);
  EXPECT_THROW(take({"missing"}), Error);
}

TEST_F(Selection, APathThroughASymlinkIsRefused) {
  // Recording "link" as a symlink and "link/x" as a file would make restore
  // write through the link: outside the target.
  write_file(temp_.path() / "elsewhere/x", "x\n");
  make_symlink((temp_.path() / "elsewhere").string(), site() / "link");
  EXPECT_THROW(take({"link/x"}), Error);
}

// --- metadata, list, find -------------------------------------------------

using Metadata = CodeSnapshotTest;

TEST_F(Metadata, MessageTimeLabelsToolVersionAndSelectionComeBack) {
  write_small_site(site());
  snap::CodeSnapshotSpec spec;
  spec.root = site();
  spec.paths = {"modules/civicrm", "./settings.php"};
  spec.exclude = {"templates_c"};
  spec.message = "before upgrade to 5.75.0\n\nsecond paragraph";
  spec.labels = {{"code_version", "5.74.0"}, {"phase", "pre-upgrade"}, {"ünïcode", "välue"}};
  spec.tool_version = "civiup 0.1.0-test";
  spec.durable = false;
  auto before = std::chrono::system_clock::now();
  auto result = repository().snapshot(spec);
  auto after = std::chrono::system_clock::now();

  snap::CodeSnapshotInfo info = repository().find(result.info.id);
  EXPECT_EQ(info.id, result.info.id);
  EXPECT_EQ(info.id.size(), 40u);
  EXPECT_EQ(info.message, spec.message);
  EXPECT_EQ(info.labels, spec.labels);
  EXPECT_EQ(info.tool_version, spec.tool_version);
  EXPECT_EQ(info.root, site().string());
  EXPECT_EQ(info.paths, (std::vector<std::string>{"modules/civicrm", "settings.php"}));
  EXPECT_EQ(info.exclude, spec.exclude);
  EXPECT_GE(info.created, std::chrono::system_clock::to_time_t(before) - 1);
  EXPECT_LE(info.created, std::chrono::system_clock::to_time_t(after) + 1);
  EXPECT_EQ(info.created, info.created_ns / 1'000'000'000);

  // Stock git sees the same message on the commit.
  std::string body =
      shell(fmt::format("git --git-dir={} log -1 --format=%B {}", quoted(repository().directory()), info.id));
  EXPECT_EQ(body.substr(0, spec.message.size()), spec.message);
}

TEST_F(Metadata, ListIsNewestFirstAndFindTakesUniquePrefixes) {
  write_file(site() / "a", "1\n");
  auto first = take();
  write_file(site() / "a", "2\n");
  auto second = take();
  auto third = take();  // unchanged tree: still its own snapshot
  auto list = repository().list();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].id, third.info.id);
  EXPECT_EQ(list[1].id, second.info.id);
  EXPECT_EQ(list[2].id, first.info.id);
  EXPECT_NE(second.info.id, third.info.id);

  EXPECT_EQ(repository().find(first.info.id.substr(0, 12)).id, first.info.id);
  EXPECT_EQ(repository().find(second.info.id.substr(0, 7)).message, "test snapshot");
  EXPECT_THROW(repository().find("abc"), Error) << "fewer than 4 digits";
  EXPECT_THROW(repository().find("not-hex!"), Error);
  std::string absent = first.info.id[0] == 'f' ? "0000000" : "fffffff";
  EXPECT_THROW(repository().find(absent), Error);
}

TEST_F(Metadata, AnAmbiguousPrefixIsRefused) {
  write_file(site() / "a", "a\n");
  std::string id = take().info.id;
  // A second name differing only in the last digit (made with stock git, as
  // a chance collision would be): a 39-digit prefix now names two snapshots.
  std::string twin = id.substr(0, 39) + (id.back() == '0' ? "1" : "0");
  shell(fmt::format("git --git-dir={} update-ref refs/civiup/snapshots/{} {}", quoted(repository().directory()), twin,
                    id));
  EXPECT_EQ(repository().find(id).id, id);
  try {
    repository().find(id.substr(0, 39));
    FAIL() << "an ambiguous prefix was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ambiguous"), std::string::npos) << e.what();
  }
}

// --- restore: only into an empty directory -------------------------------

using Restore = CodeSnapshotTest;

TEST_F(Restore, CreatesAnAbsentTargetAndFillsAnEmptyOne) {
  write_small_site(site());
  auto result = take();
  fs::path absent = temp_.path() / "absent";
  repository().restore(result.info.id, absent, {true, false});
  EXPECT_EQ(tree_differences(describe_tree(site()), describe_tree(absent)), "");
  fs::path empty = temp_.path() / "empty";
  fs::create_directories(empty);
  repository().restore(result.info.id, empty, {true, false});
  EXPECT_EQ(tree_differences(describe_tree(site()), describe_tree(empty)), "");
}

TEST_F(Restore, RefusesANonEmptyDirectoryAndLeavesItAlone) {
  write_small_site(site());
  auto result = take();
  fs::path live = temp_.path() / "live";
  write_file(live / "precious.txt", "do not touch\n");
  TreeDescription before = describe_tree(live);
  try {
    repository().restore(result.info.id, live, {true, false});
    FAIL() << "restore wrote into a non-empty directory";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not empty"), std::string::npos) << e.what();
  }
  EXPECT_EQ(describe_tree(live), before);
  // Nor over the very tree it was taken from.
  EXPECT_THROW(repository().restore(result.info.id, site(), {true, false}), Error);
}

TEST_F(Restore, RefusesAFileOrASymlinkAsTarget) {
  write_small_site(site());
  auto result = take();
  write_file(temp_.path() / "a-file", "x\n");
  EXPECT_THROW(repository().restore(result.info.id, temp_.path() / "a-file", {true, false}), Error);
  fs::create_directories(temp_.path() / "empty-dir");
  make_symlink("empty-dir", temp_.path() / "link-to-empty-dir");
  EXPECT_THROW(repository().restore(result.info.id, temp_.path() / "link-to-empty-dir", {true, false}), Error);
}

TEST_F(Restore, AnUnknownSnapshotFailsBeforeCreatingTheTarget) {
  write_small_site(site());
  take();
  fs::path target = temp_.path() / "never";
  EXPECT_THROW(repository().restore("0123456789abcdef0123456789abcdef01234567", target), Error);
  EXPECT_FALSE(fs::exists(target));
}

TEST_F(Restore, AnyOlderSnapshotStillRestoresAfterLaterOnes) {
  write_small_site(site());
  TreeDescription v1 = describe_tree(site());
  auto first = take();
  write_file(site() / "modules/civicrm/civicrm.module", "<?php // 5.75\n");
  fs::remove_all(site() / "modules/views");
  take();
  EXPECT_EQ(tree_differences(v1, restored(first.info.id)), "");
}

// --- diff ------------------------------------------------------------------

using Diff = CodeSnapshotTest;

TEST_F(Diff, BetweenSnapshotsListsAddedRemovedAndModifiedPaths) {
  write_small_site(site());
  auto before = take();
  write_file(site() / "modules/civicrm/civicrm.module", "<?php // patched locally\n");
  fs::remove(site() / "modules/civicrm/packages/x.php");
  write_file(site() / "modules/civicrm/new.php", "<?php\n");
  set_mode(site() / "settings.php", 0600);  // mode only
  fs::create_directories(site() / "modules/empty");
  auto after = take();
  std::vector<PathChange> expected = {
      {PathChangeKind::modified, "modules/civicrm/civicrm.module"},
      {PathChangeKind::added, "modules/civicrm/new.php"},
      {PathChangeKind::removed, "modules/civicrm/packages/x.php"},
      {PathChangeKind::added, "modules/empty"},
      {PathChangeKind::modified, "settings.php"},
  };
  EXPECT_EQ(repository().diff(before.info.id, after.info.id), expected);
  EXPECT_TRUE(repository().diff(after.info.id, after.info.id).empty());
}

TEST_F(Diff, ModeOnlyAndOwnerOnlyChangesAreModifications) {
  write_file(site() / "script.sh", "#!/bin/sh\n", 0644);
  write_file(site() / "conf.php", "<?php\n", 0644);
  fs::create_directories(site() / "dir");
  auto before = take();
  set_mode(site() / "script.sh", 0755);  // git would see this one
  set_mode(site() / "conf.php", 0640);   // git would not
  set_mode(site() / "dir", 02755);
  auto after = take();
  std::vector<PathChange> expected = {{PathChangeKind::modified, "conf.php"},
                                      {PathChangeKind::modified, "dir"},
                                      {PathChangeKind::modified, "script.sh"}};
  EXPECT_EQ(repository().diff(before.info.id, after.info.id), expected);
  if (running_as_root()) {
    set_owner(site() / "conf.php", 33, 33);
    EXPECT_EQ(repository().diff_live(after.info.id, site()),
              (std::vector<PathChange>{{PathChangeKind::modified, "conf.php"}}));
  }
}

TEST_F(Diff, LiveTreeAgainstASnapshotSeesEveryKindOfChange) {
  write_small_site(site());
  make_symlink("index.php", site() / "link");
  write_file(site() / "becomes-dir", "file\n");
  auto snapshot = take({"."}, {"templates_c"});
  EXPECT_TRUE(repository().diff_live(snapshot.info.id, site()).empty());

  write_file(site() / "index.php", "<?php // same size?\n");
  fs::remove(site() / "link");
  make_symlink("settings.php", site() / "link");
  fs::remove(site() / "becomes-dir");
  write_file(site() / "becomes-dir/child", "c\n");
  fs::remove_all(site() / "modules/views");
  set_mode(site() / "modules/civicrm/civicrm.module", 0600);
  write_file(site() / "files/civicrm/templates_c/new-compiled.php", "excluded: never a change\n");
  std::vector<PathChange> expected = {
      {PathChangeKind::modified, "becomes-dir"},
      {PathChangeKind::added, "becomes-dir/child"},
      {PathChangeKind::modified, "index.php"},
      {PathChangeKind::modified, "link"},
      {PathChangeKind::modified, "modules/civicrm/civicrm.module"},
      {PathChangeKind::removed, "modules/views"},
      {PathChangeKind::removed, "modules/views/views.module"},
  };
  EXPECT_EQ(repository().diff_live(snapshot.info.id, site()), expected);
}

TEST_F(Diff, LiveComparisonOfARestoredCopyIsEmpty) {
  write_small_site(site());
  write_file(site() / "vendor/x/.git/HEAD", "ref\n");
  fs::create_directories(site() / "empty");
  auto snapshot = take();
  fs::path copy = fresh_dir("copy");
  repository().restore(snapshot.info.id, copy, {true, false});
  EXPECT_TRUE(repository().diff_live(snapshot.info.id, copy).empty());
}

// --- the stat cache ----------------------------------------------------------

using StatCache = CodeSnapshotTest;

TEST_F(StatCache, AnUnchangedRepeatHashesNothing) {
  write_small_site(site());
  wait_for_a_clock_tick();
  auto first = take();
  EXPECT_EQ(first.files_hashed, 9u);
  auto repeat = take();
  EXPECT_EQ(repeat.files_hashed, 0u);
  EXPECT_EQ(repeat.entries, first.entries);
}

TEST_F(StatCache, ASameSizeRewriteIsSeenEvenWithTheOldMtime) {
  write_file(site() / "a.php", "<?php // one\n");
  auto first = take();
  struct stat old {};
  ASSERT_EQ(::stat((site() / "a.php").c_str(), &old), 0);
  write_file(site() / "a.php", "<?php // two\n");  // same size
  timespec times[2] = {old.st_atim, old.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, (site() / "a.php").c_str(), times, 0), 0);  // mtime put back
  auto second = take();
  EXPECT_EQ(second.files_hashed, 1u) << "ctime moved; the cache must not vouch";
  EXPECT_EQ(restored(second.info.id).at("a.php").content, "<?php // two\n");
  EXPECT_EQ(repository().diff(first.info.id, second.info.id),
            (std::vector<PathChange>{{PathChangeKind::modified, "a.php"}}));
}

TEST_F(StatCache, AFileChangedRightAfterASnapshotIsRehashed) {
  // The racy case: written in the same clock tick as the cache.
  write_file(site() / "a.php", "<?php // one\n");
  take();
  write_file(site() / "a.php", "<?php // 2\n");
  auto second = take();
  EXPECT_EQ(restored(second.info.id).at("a.php").content, "<?php // 2\n");
  write_file(site() / "a.php", "<?php // 3\n");
  auto third = take();
  EXPECT_EQ(restored(third.info.id).at("a.php").content, "<?php // 3\n");
}

TEST_F(StatCache, ADamagedCacheCostsOneRehashAndNothingElse) {
  write_small_site(site());
  take();
  write_file(repository().directory() / "civiup-index", "garbage, not an index");
  auto after = take();
  EXPECT_EQ(after.files_hashed, 9u);
  EXPECT_EQ(tree_differences(describe_tree(site()), restored(after.info.id)), "");
  EXPECT_EQ(take().files_hashed, 0u);
}

TEST_F(StatCache, SwitchingSelectionsDropsWhatIsNoLongerSelected) {
  write_small_site(site());
  wait_for_a_clock_tick();
  take();
  auto narrow = take({"modules/civicrm"});
  TreeDescription back = restored(narrow.info.id);
  EXPECT_EQ(back.count("index.php"), 0u);
  EXPECT_EQ(back.count("modules/civicrm/civicrm.module"), 1u);
  EXPECT_EQ(narrow.files_hashed, 0u);
}

// --- remove and garbage collection -----------------------------------------

using Collect = CodeSnapshotTest;

std::string blob_id(const fs::path& file) {
  std::string out = shell("git hash-object " + quoted(file));
  return out.substr(0, out.find('\n'));
}

bool object_exists(const fs::path& repository, const std::string& id) {
  return std::system(fmt::format("git --git-dir={} cat-file -e {} 2>/dev/null", quoted(repository), id).c_str()) == 0;
}

TEST_F(Collect, RemoveForgetsASnapshotButKeepsItsObjectsUntilCollected) {
  write_file(site() / "unique.bin", incompressible(1 << 20, 7));
  std::string unique = blob_id(site() / "unique.bin");
  auto doomed = take();
  fs::remove(site() / "unique.bin");
  write_file(site() / "kept.txt", "kept\n");
  auto kept = take();
  repository().remove(doomed.info.id.substr(0, 10));
  EXPECT_EQ(repository().list().size(), 1u);
  EXPECT_THROW(repository().find(doomed.info.id), Error);
  EXPECT_THROW(repository().remove(doomed.info.id), Error);
  EXPECT_TRUE(object_exists(repository().directory(), unique)) << "remove alone deletes no object";
  EXPECT_EQ(repository().list().front().id, kept.info.id);
}

TEST_F(Collect, CollectingDeletesWhatNoSnapshotReaches) {
  write_file(site() / "shared.txt", "in both snapshots\n");
  write_file(site() / "unique.bin", incompressible(2 << 20, 8));
  std::string unique = blob_id(site() / "unique.bin");
  std::string shared = blob_id(site() / "shared.txt");
  auto doomed = take();
  fs::remove(site() / "unique.bin");
  write_file(site() / "later.txt", "later\n");
  wait_for_a_clock_tick();
  auto kept = take();
  repository().remove(doomed.info.id);

  auto collected = repository().collect_garbage();
  EXPECT_FALSE(object_exists(repository().directory(), unique)) << "the removed snapshot's unique blob is still there";
  EXPECT_TRUE(object_exists(repository().directory(), shared));
  EXPECT_GT(collected.bytes_before, collected.bytes_after + (2u << 20) - (64u << 10))
      << "before " << collected.bytes_before << " after " << collected.bytes_after;
  EXPECT_GT(collected.objects_kept, 0u);
  shell(fmt::format("git --git-dir={} fsck --full --no-dangling --strict", quoted(repository().directory())));

  // Everything left still restores; later snapshots (and the stat cache) still work.
  EXPECT_EQ(tree_differences(describe_tree(site()), restored(kept.info.id)), "");
  auto repeat = take();
  EXPECT_EQ(repeat.files_hashed, 0u);
  EXPECT_EQ(tree_differences(describe_tree(site()), restored(repeat.info.id)), "");
  // A second collection with nothing to drop keeps everything.
  auto again = repository().collect_garbage();
  EXPECT_EQ(again.objects_kept, collected.objects_kept + 3) << "the repeat's commit, root tree and snapshot.json";
  EXPECT_EQ(tree_differences(describe_tree(site()), restored(kept.info.id)), "");
}

TEST_F(Collect, ContentOnlyTheStatCacheStillVouchesForSurvives) {
  // After removing every snapshot, the cache still says "a.php is blob X":
  // dropping X would make the next snapshot name a missing object.
  write_file(site() / "a.php", "<?php // cached\n");
  wait_for_a_clock_tick();
  auto only = take();
  repository().remove(only.info.id);
  repository().collect_garbage();
  EXPECT_TRUE(repository().list().empty());
  auto next = take();
  EXPECT_EQ(next.files_hashed, 0u);
  EXPECT_EQ(restored(next.info.id).at("a.php").content, "<?php // cached\n");
}

TEST_F(Collect, RemovingEverythingAndCollectingEmptiesTheObjects) {
  write_file(site() / "big.bin", incompressible(1 << 20, 9));
  auto only = take();
  repository().remove(only.info.id);
  fs::remove(repository().directory() / "civiup-index");
  auto collected = repository().collect_garbage();
  EXPECT_EQ(collected.objects_kept, 0u);
  EXPECT_LT(collected.bytes_after, 64u << 10);
}

}  // namespace
}  // namespace civiup::test
