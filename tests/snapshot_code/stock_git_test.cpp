// A snapshot must be restorable without civiup: these tests run the exact
// procedure from docs/code-snapshots.md ("restore-by-hand": stock git
// archive | tar, then the manifest applied by python3) and compare the result
// with the original tree, entry by entry.  They also check that stock git
// reads the repository as a healthy one.
#include <chrono>
#include <cstdlib>
#include <thread>

#include "code_snapshot_fixture.hpp"

namespace civiup::test {
namespace {

using StockGit = CodeSnapshotTest;

// The fenced block of the doc that starts with "# restore-by-hand".
std::string restore_by_hand_block() {
  std::string doc = read_bytes(fs::path(CIVIUP_SOURCE_DIR) / "docs/code-snapshots.md");
  std::string start = "```sh\n# restore-by-hand\n";
  auto begin = doc.find(start);
  if (begin == std::string::npos) return {};
  begin += std::string("```sh\n").size();
  auto end = doc.find("\n```\n", begin);
  return doc.substr(begin, end - begin + 1);
}

// Every property of the round trip at once.
void write_awkward_tree(const fs::path& root, const fs::path& outside) {
  write_file(root / "index.php", "<?php\r\n// $Id$\r\n");
  write_file(root / ".gitattributes", "* text=auto eol=crlf ident\n*.tpl export-subst\n*.x export-ignore\n");
  write_file(root / "t.tpl", "$Format:%H$\n");
  write_file(root / "ignored.x", "kept\n");
  write_file(root / "settings.php", "<?php // 0600\n", 0600);
  write_file(root / "civicrm.settings.php", "<?php // 0640\n", 0640);
  write_file(root / "bin/run", "#!/bin/sh\n", 0755);
  write_file(root / "setuid", "s\n", 04755);
  write_file(root / "files/civicrm/upload/a.pdf", "%PDF\n");
  set_mode(root / "files/civicrm/upload", 02775);
  fs::create_directories(root / "files/civicrm/templates_c/en_US");
  write_file(root / "locked/x", "x\n");
  set_mode(root / "locked", 0555);
  make_symlink("index.php", root / "link");
  make_symlink("/nowhere/at/all", root / "dangling-absolute");
  make_symlink(outside.string(), root / "to-outside");
  write_file(root / "name with spaces", "s\n");
  write_file(root / "ünïcødé/日本語", "u\n");
  write_file(root / "new\nline", "n\n");
  write_file(root / std::string("bytes-\xff\xfe"), "not utf-8\n");
  write_file(root / "vendor/lib/.git/HEAD", "ref: refs/heads/main\n");
  write_file(root / "vendor/lib/.git/objects/pack/p.idx", "idx", 0444);
  write_file(root / "vendor/lib/.GIT/x", "upper\n");
  write_file(root / "vendor/lib/.git~civiup-escaped", "a real file with the escape's name\n");
  make_symlink("x", root / "vendor/.gitmodules");
  if (running_as_root()) {
    set_owner(root / "civicrm.settings.php", 33, 33);
    set_owner(root / "files/civicrm/upload", 33, 4242);
    set_owner(root / "link", 1234, 5678);
    set_owner(root / "vendor/lib/.git/HEAD", 60000, 60001);
  }
}

TEST_F(StockGit, TheDocumentedRestoreByHandGivesBackTheExactTree) {
  std::string block = restore_by_hand_block();
  ASSERT_FALSE(block.empty()) << "docs/code-snapshots.md has no ```sh block starting with # restore-by-hand";
  write_file(temp_.path() / "outside/secret", "never\n");
  write_awkward_tree(site(), temp_.path() / "outside");
  auto older = take();
  // Commit dates have whole seconds: "newest" needs the next one.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  write_file(site() / "index.php", "<?php // the newest snapshot is the default\n");
  auto snapshot = take();
  ASSERT_NE(older.info.id, snapshot.info.id);

  fs::path script = temp_.path() / "restore-by-hand.sh";
  write_file(script, block, 0755);
  fs::path target = temp_.path() / "by-hand";
  // No ID: the procedure picks the newest snapshot itself.
  shell(fmt::format("cd {} && REPO={} TARGET={} bash -e -o pipefail {} >/dev/null", quoted(temp_.path()),
                    quoted(repository().directory()), quoted(target), quoted(script)));
  EXPECT_EQ(tree_differences(describe_tree(site()), describe_tree(target)), "");
  EXPECT_FALSE(fs::exists(temp_.path() / "by-hand.manifest.json"));

  // With an explicit (older) ID.
  fs::path older_target = temp_.path() / "by-hand-older";
  shell(fmt::format("REPO={} ID={} TARGET={} bash -e -o pipefail {} >/dev/null", quoted(repository().directory()),
                    older.info.id, quoted(older_target), quoted(script)));
  EXPECT_EQ(tree_differences(restored(older.info.id), describe_tree(older_target)), "");
}

TEST_F(StockGit, SeesAHealthyRepositoryWithTheSnapshotsAsReferences) {
  write_awkward_tree(site(), temp_.path() / "outside");
  auto first = take();
  write_file(site() / "added.php", "<?php\n");
  auto second = take();
  std::string repo = quoted(repository().directory());
  shell(fmt::format("git --git-dir={} fsck --full --strict --no-dangling", repo));
  std::string refs =
      shell(fmt::format("git --git-dir={} for-each-ref --format='%(objectname)' refs/civiup/snapshots/", repo));
  EXPECT_NE(refs.find(first.info.id), std::string::npos);
  EXPECT_NE(refs.find(second.info.id), std::string::npos);
  std::string stat =
      shell(fmt::format("git --git-dir={} diff --name-status {}:tree {}:tree", repo, first.info.id, second.info.id));
  EXPECT_EQ(stat, "A\tadded.php\n");
  // Stock git never gets the stat cache as its index.
  EXPECT_FALSE(fs::exists(repository().directory() / "index"));
}

}  // namespace
}  // namespace civiup::test
