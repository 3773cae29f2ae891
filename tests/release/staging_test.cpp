// Staging a verified release: the tree appears outside modules/ with the owner,
// group and modes of the tree it replaces, the l10n tarball is unpacked over it,
// and any refusal removes the staging directory and leaves the cwd alone.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/release/release.hpp"
#include "release/tarball_writer.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {

namespace fs = std::filesystem;

struct stat lstat_of(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) throw std::runtime_error("lstat " + path.string());
  return info;
}

class Staging : public ::testing::Test {
 protected:
  test::TempDir temp;
  fs::path release_file = temp / "civicrm-5.75.0-backdrop.tar.gz";
  fs::path l10n_file = temp / "civicrm-5.75.0-l10n.tar.gz";
  fs::path staging = temp / "state/staging";

  void SetUp() override {
    fs::create_directories(temp / "state");
    test::write_tarball(release_file, test::backdrop_release("5.75.0"));
    test::write_tarball(l10n_file, test::l10n_tarball());
  }

  std::string staging_error(const ReleaseTarball& release, const ReleaseTarball* l10n) {
    fs::path cwd = fs::current_path();
    std::string message;
    try {
      stage_release(release, l10n, staging, ReferenceTree{});
    } catch (const Error& e) {
      message = e.what();
    }
    EXPECT_EQ(fs::current_path(), cwd);
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }
};

TEST_F(Staging, OwnerGroupAndModesFollowTheReplacedTree) {
  // The old modules/civicrm: www-data's, group-readable only, one script.
  fs::path old_tree = temp / "www/modules/civicrm";
  test::write_text(old_tree / "CRM/a.php", "a");
  test::write_text(old_tree / "CRM/b.php", "b");
  test::write_text(old_tree / "bin/run.sh", "#!/bin/sh");
  ::chmod((old_tree / "CRM/a.php").c_str(), 0640);
  ::chmod((old_tree / "CRM/b.php").c_str(), 0640);
  ::chmod((old_tree / "bin/run.sh").c_str(), 0750);
  for (const fs::path& dir : {old_tree, old_tree / "CRM", old_tree / "bin"}) ::chmod(dir.c_str(), 0750);
  for (const auto& entry : fs::recursive_directory_iterator(old_tree)) ::lchown(entry.path().c_str(), 33, 33);
  ::lchown(old_tree.c_str(), 33, 33);

  ReferenceTree reference = ReferenceTree::from_directory(old_tree);
  EXPECT_EQ(reference.uid, 33u);
  EXPECT_EQ(reference.gid, 33u);
  EXPECT_EQ(reference.dir_mode, 0750u);
  EXPECT_EQ(reference.file_mode, 0640u);
  EXPECT_EQ(reference.exec_mode, 0750u);

  fs::path cwd = fs::current_path();
  ReleaseTarball release = ReleaseTarball::verify(release_file);
  StagedRelease staged = stage_release(release, nullptr, staging, reference);
  EXPECT_EQ(fs::current_path(), cwd);
  EXPECT_EQ(staged.tree, staging / "civicrm");
  EXPECT_EQ(staged.version.str(), "5.75.0");
  EXPECT_EQ(lstat_of(staging).st_mode & 07777, 0700u);

  size_t checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(staged.tree)) {
    struct stat info = lstat_of(entry.path());
    EXPECT_EQ(info.st_uid, 33u) << entry.path();
    EXPECT_EQ(info.st_gid, 33u) << entry.path();
    if (S_ISDIR(info.st_mode)) {
      EXPECT_EQ(info.st_mode & 07777, 0750u) << entry.path();
    }
    ++checked;
  }
  EXPECT_GT(checked, 10u);
  EXPECT_EQ(lstat_of(staged.tree / "CRM/Core/Config.php").st_mode & 07777, 0640u);
  EXPECT_EQ(lstat_of(staged.tree / "bin/setup.sh").st_mode & 07777, 0750u);
  EXPECT_EQ(read_file(staged.tree / "bin/setup.sh"), "#!/bin/sh\necho setup\n");
  EXPECT_EQ(fs::read_symlink(staged.tree / "packages/README.link"), "README");
  EXPECT_EQ(lstat_of(staged.tree / "packages/README.hard").st_ino, lstat_of(staged.tree / "packages/README").st_ino);
}

TEST_F(Staging, L10nIsUnpackedOverTheRelease) {
  ReleaseTarball release = ReleaseTarball::verify(release_file);
  ReleaseTarball l10n = ReleaseTarball::verify(l10n_file, TarballKind::kL10n);
  ReferenceTree reference;
  reference.file_mode = 0604;
  StagedRelease staged = stage_release(release, &l10n, staging, reference);
  EXPECT_TRUE(fs::is_regular_file(staged.tree / "l10n/fr_FR/LC_MESSAGES/civicrm.mo"));
  EXPECT_TRUE(fs::is_regular_file(staged.tree / "civicrm-version.php"));
  EXPECT_EQ(lstat_of(staged.tree / "sql/civicrm_data.fr_FR.mysql").st_mode & 07777, 0604u);
  EXPECT_EQ(staged.file_count, release.file_count() + l10n.file_count());
}

TEST_F(Staging, StagingDirectoryMustNotExist) {
  fs::create_directories(staging);
  test::write_text(staging / "keep", "mine");
  ReleaseTarball release = ReleaseTarball::verify(release_file);
  std::string message = staging_error(release, nullptr);
  EXPECT_NE(message.find("creating the staging directory: File exists"), std::string::npos) << message;
  EXPECT_EQ(read_file(staging / "keep"), "mine");
}

TEST_F(Staging, L10nReplacingADirectoryIsRefusedAndNothingIsLeft) {
  auto items = test::l10n_tarball();
  items.push_back(test::file("civicrm/CRM", "not a directory"));
  test::write_tarball(l10n_file, items);
  ReleaseTarball release = ReleaseTarball::verify(release_file);
  ReleaseTarball l10n = ReleaseTarball::verify(l10n_file, TarballKind::kL10n);
  std::string message = staging_error(release, &l10n);
  EXPECT_NE(message.find("entry 'civicrm/CRM': would replace a directory of the release with a file"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("civicrm-5.75.0-l10n.tar.gz"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(staging));
}

TEST_F(Staging, L10nWritingOverOrThroughAReleaseSymlinkIsRefused) {
  auto release_items = test::backdrop_release("5.75.0");
  release_items.push_back(test::symlink("civicrm/langs", "CRM"));
  test::write_tarball(release_file, release_items);
  ReleaseTarball release = ReleaseTarball::verify(release_file);

  auto items = test::l10n_tarball();
  items.push_back(test::file("civicrm/packages/README.link", "over a symlink"));
  test::write_tarball(l10n_file, items);
  ReleaseTarball over = ReleaseTarball::verify(l10n_file, TarballKind::kL10n);
  EXPECT_NE(staging_error(release, &over).find("would replace a symlink"), std::string::npos);
  EXPECT_FALSE(fs::exists(staging));

  items = test::l10n_tarball();
  items.push_back(test::file("civicrm/langs/evil.php", "through a symlink"));
  test::write_tarball(l10n_file, items);
  ReleaseTarball through = ReleaseTarball::verify(l10n_file, TarballKind::kL10n);
  EXPECT_FALSE(staging_error(release, &through).empty());
  EXPECT_FALSE(fs::exists(staging));
}

TEST_F(Staging, TarballChangedAfterVerificationIsCheckedAgain) {
  ReleaseTarball release = ReleaseTarball::verify(release_file);
  // Rewritten in place (same inode, so the open descriptor sees it).
  fs::path other = temp / "other.tar.gz";
  auto items = test::backdrop_release("5.75.0");
  items.push_back(test::file("civicrm/../../escaped", "x"));
  test::write_tarball(other, items);
  std::string bytes = read_file(other);
  {
    std::FILE* out = std::fopen(release_file.c_str(), "r+b");
    ASSERT_NE(out, nullptr);
    std::fwrite(bytes.data(), 1, bytes.size(), out);
    std::fclose(out);
  }
  std::string message = staging_error(release, nullptr);
  EXPECT_NE(message.find("path leaves the tree"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(staging));
  EXPECT_FALSE(fs::exists(temp / "escaped"));
  EXPECT_FALSE(fs::exists(temp / "state/escaped"));
}

TEST_F(Staging, UnverifiedL10nIsRefused) {
  ReleaseTarball release = ReleaseTarball::verify(release_file);
  ReleaseTarball as_release = ReleaseTarball::verify(release_file);
  std::string message = staging_error(release, &as_release);
  EXPECT_NE(message.find("the l10n tarball was not verified as one"), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(staging));
}

}  // namespace
}  // namespace civiup
