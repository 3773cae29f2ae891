// Each property of the exact round trip on its own: snapshot a small live tree
// made of real files, restore it into an empty directory, compare every entry
// (type, mode, owner, bytes or link target).
#include <sys/stat.h>

#include <random>

#include "code_snapshot_fixture.hpp"

namespace civiup::test {
namespace {

using RoundTrip = CodeSnapshotTest;

std::string random_bytes(std::size_t size, unsigned seed) {
  std::mt19937 generator(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(generator() & 0xFF);
  return out;
}

TEST_F(RoundTrip, FileContentComesBackByteForByte) {
  write_file(site() / "index.php", "<?php\necho 'hello';\n");
  write_file(site() / "empty.txt", "");
  write_file(site() / "binary.bin", random_bytes(200'000, 1));
  write_file(site() / "nul-bytes", std::string("a\0b\0\0c", 6));
  write_file(site() / "no-final-newline", "last line");
  write_file(site() / "deep/a/b/c/d/e/f.txt", "deep\n");
  expect_round_trip();
}

TEST_F(RoundTrip, FileLargerThanTheStreamingThresholdComesBack) {
  // Files over 32 MiB are streamed into the repository rather than read whole.
  write_file(site() / "big.sql", random_bytes((33u << 20) + 17, 2));
  expect_round_trip();
}

TEST_F(RoundTrip, SymlinksKeepTheirTargetTextAndAreNeverFollowed) {
  fs::path outside = temp_.path() / "outside";
  write_file(outside / "secret.txt", "must not be snapshotted\n");
  write_file(site() / "real/file.txt", "real\n");
  make_symlink("real/file.txt", site() / "relative");
  make_symlink("../real", site() / "links/to-directory");
  make_symlink("/nonexistent/absolute/target", site() / "dangling-absolute");
  make_symlink("missing-relative", site() / "dangling-relative");
  make_symlink(outside.string(), site() / "absolute-to-outside");
  make_symlink("loop", site() / "loop");
  make_symlink("name with spaces/and\nnewline", site() / "odd-target");
  expect_round_trip();

  auto result = take();
  TreeDescription back = restored(result.info.id);
  EXPECT_EQ(back.count("absolute-to-outside/secret.txt"), 0u) << "a symlink was followed";
  EXPECT_EQ(back.at("absolute-to-outside").type, 'l');
  EXPECT_EQ(back.at("absolute-to-outside").content, outside.string());
  EXPECT_EQ(back.at("links/to-directory").type, 'l');
}

TEST_F(RoundTrip, FileModesComeBackExactly) {
  write_file(site() / "settings.php", "<?php // 0600\n", 0600);
  write_file(site() / "civicrm.settings.php", "<?php // 0640\n", 0640);
  write_file(site() / "bin/tool.sh", "#!/bin/sh\n", 0755);
  write_file(site() / "group-exec", "x\n", 0710);
  write_file(site() / "read-only", "r\n", 0444);
  write_file(site() / "no-permissions", "none\n", 0000);
  write_file(site() / "setuid", "s\n", 04755);
  write_file(site() / "setgid-file", "g\n", 02750);
  write_file(site() / "world-writable", "w\n", 0666);
  expect_round_trip();
}

TEST_F(RoundTrip, SetgidStickyAndReadOnlyDirectoriesKeepTheirBits) {
  fs::create_directories(site() / "files/civicrm/upload");
  write_file(site() / "files/civicrm/upload/a.pdf", "%PDF\n");
  set_mode(site() / "files/civicrm/upload", 02775);
  set_mode(site() / "files/civicrm", 02770);
  fs::create_directories(site() / "tmp");
  set_mode(site() / "tmp", 01777);
  write_file(site() / "locked/inside.txt", "inside a read-only directory\n");
  set_mode(site() / "locked", 0555);
  fs::create_directories(site() / "private");
  set_mode(site() / "private", 0700);
  expect_round_trip();
}

TEST_F(RoundTrip, OwnersComeBackOnFilesDirectoriesAndSymlinks) {
  if (!running_as_root()) GTEST_SKIP() << "chown to other ids needs root";
  write_file(site() / "www/index.php", "<?php\n", 0644);
  set_owner(site() / "www/index.php", 33, 33);
  set_owner(site() / "www", 4321, 8765);
  write_file(site() / "odd-owner", "x\n", 0640);
  set_owner(site() / "odd-owner", 60001, 1234567);
  write_file(site() / "setgid-after-chown", "x\n", 0640);
  set_owner(site() / "setgid-after-chown", 1001, 1002);
  set_mode(site() / "setgid-after-chown", 02755);  // chown clears it; restore must chown first
  make_symlink("www/index.php", site() / "link");
  set_owner(site() / "link", 777, 778);
  expect_round_trip();
}

TEST_F(RoundTrip, EmptyDirectoriesComeBack) {
  fs::create_directories(site() / "files/civicrm/templates_c");
  fs::create_directories(site() / "a/b/c/empty-leaf");
  fs::create_directories(site() / "empty-with-mode");
  set_mode(site() / "empty-with-mode", 0750);
  write_file(site() / "a/file", "x\n");
  expect_round_trip();
}

TEST_F(RoundTrip, NamesWithSpacesUtf8AndControlCharactersComeBack) {
  write_file(site() / "name with spaces.php", "spaces\n");
  write_file(site() / "Übersetzung/日本語.txt", "utf-8\n");
  write_file(site() / "emoji 🎉.md", "4-byte utf-8\n");
  write_file(site() / "new\nline", "newline in the name\n");
  write_file(site() / "tab\tand\\backslash", "tab\n");
  write_file(site() / "-leading-dash", "dash\n");
  write_file(site() / "trailing space ", "space\n");
  write_file(site() / "trailing-dot.", "dot\n");
  write_file(site() / "con", "a Windows device name\n");
  write_file(site() / "GIT~1", "an NTFS short name\n");
  write_file(site() / "quote\"and'apostrophe", "quotes\n");
  write_file(site() / std::string("latin1-\xE9t\xE9"), "not valid UTF-8\n");
  fs::create_directories(site() / "dir with\nnewline/sub dir");
  write_file(site() / "dir with\nnewline/sub dir/f", "x\n");
  expect_round_trip();
}

TEST_F(RoundTrip, FilesUnderNestedGitDirectoriesComeBack) {
  // A vendored library checked out with git: its .git must survive as files.
  write_file(site() / "vendor/lib/.git/HEAD", "ref: refs/heads/main\n");
  write_file(site() / "vendor/lib/.git/config", "[core]\n\tbare = false\n");
  write_file(site() / "vendor/lib/.git/objects/ab/cdef", std::string("\x78\x01garbage", 9), 0444);
  fs::create_directories(site() / "vendor/lib/.git/refs/tags");
  write_file(site() / "vendor/lib/src.php", "<?php\n");
  write_file(site() / "vendor/other/.GIT/HEAD", "upper case\n");
  write_file(site() / "vendor/other/.Git", "a file, not a directory\n");
  write_file(site() / "vendor/worktree/.git", "gitdir: ../../.git/worktrees/x\n");
  make_symlink("elsewhere", site() / "vendor/sub/.gitmodules");
  // A sibling already named like an escaped .git must not collide with it.
  write_file(site() / "vendor/lib/.git~civiup-escaped", "I was here first\n");
  write_file(site() / "vendor/lib/.git/nested/.git/HEAD", "nested twice\n");
  expect_round_trip();
}

TEST_F(RoundTrip, CrlfAndInTreeAttributesNeverAlterBytes) {
  // An in-tree .gitattributes that would convert line endings, run filters,
  // expand $Id$ and re-encode, if anything honoured it.
  write_file(site() / ".gitattributes",
             "* text=auto eol=crlf\n"
             "*.php text eol=lf ident\n"
             "*.dat filter=lfs diff=lfs merge=lfs -text\n"
             "*.txt working-tree-encoding=UTF-16\n"
             "*.tpl export-subst\n"
             "*.ignored export-ignore\n");
  write_file(site() / "windows.php", "<?php\r\n// $Id$\r\necho 1;\r\n");
  write_file(site() / "mixed.txt", "lf\ncrlf\r\ncr\rend");
  write_file(site() / "lone-cr.css", "a\rb\r");
  write_file(site() / "data.dat", "version https://git-lfs.github.com/spec/v1\r\n");
  write_file(site() / "subst.tpl", "$Format:%H$\n");
  write_file(site() / "kept.ignored", "export-ignore must not drop me\n");
  write_file(site() / "sub/.gitattributes", "* text eol=crlf\n");
  write_file(site() / "sub/unix.sh", "#!/bin/sh\necho lf\n", 0755);
  expect_round_trip();

  // The stored blob is the file as on disk (what stock git would check out too).
  auto result = take();
  std::string blob = shell(fmt::format("git --git-dir={} cat-file blob {}:tree/windows.php",
                                       quoted(repository().directory()), result.info.id));
  EXPECT_EQ(blob, "<?php\r\n// $Id$\r\necho 1;\r\n");
}

TEST_F(RoundTrip, SocketsAndFifosAreSkippedAndReported) {
  write_file(site() / "regular", "x\n");
  ASSERT_EQ(::mkfifo((site() / "pipe").c_str(), 0644), 0);
  auto result = take();
  EXPECT_EQ(result.skipped, std::vector<std::string>{"pipe"});
  TreeDescription back = restored(result.info.id);
  EXPECT_EQ(back.count("pipe"), 0u);
  EXPECT_EQ(back.count("regular"), 1u);
}

TEST_F(RoundTrip, DurableSnapshotLeavesNothingInQuarantine) {
  write_file(site() / "a.php", "<?php\n");
  snap::CodeSnapshotSpec spec;
  spec.root = site();
  spec.paths = {"."};
  spec.durable = true;
  auto result = repository().snapshot(spec);
  EXPECT_FALSE(fs::exists(repository().directory() / "civiup-incoming"));
  // Every object is in objects/ where stock git finds it: one pack and its
  // index, no loose objects.
  shell(fmt::format("git --git-dir={} fsck --full --no-dangling --strict", quoted(repository().directory())));
  std::string repo = quoted(repository().directory());
  EXPECT_EQ(shell(fmt::format("git --git-dir={} count-objects -v | grep -E '^(count|packs):'", repo)),
            "count: 0\npacks: 1\n");
  shell(fmt::format("git --git-dir={0} verify-pack {0}/objects/pack/*.idx", repo));
  EXPECT_EQ(tree_differences(describe_tree(site()), restored(result.info.id)), "");
}

}  // namespace
}  // namespace civiup::test
