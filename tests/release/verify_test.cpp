// Release verification on real gzip'd tarballs the tests write: a valid
// Backdrop release passes; everything hostile or wrong is refused with one line
// naming the tarball, the entry and the cause — and nothing is written.
#include <gtest/gtest.h>

#include <unistd.h>

#include <fstream>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/release/release.hpp"
#include "release/tarball_writer.hpp"
#include "site/site_files.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {

namespace fs = std::filesystem;
using test::TarItem;

class Verify : public ::testing::Test {
 protected:
  test::TempDir temp;
  fs::path tarball = temp / "civicrm-5.75.0-backdrop.tar.gz";

  // verify()'s error, checked to be one line that names the tarball; "" if it passed.
  std::string refusal(const std::vector<TarItem>& items, const ReleaseLimits& limits = {},
                      TarballKind kind = TarballKind::kRelease) {
    test::write_tarball(tarball, items);
    return refusal_of_file(kind, limits);
  }

  std::string refusal_of_file(TarballKind kind = TarballKind::kRelease, const ReleaseLimits& limits = {}) {
    auto before = listing();
    std::string message;
    try {
      ReleaseTarball::verify(tarball, kind, limits);
    } catch (const Error& e) {
      message = e.what();
    }
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    if (!message.empty()) {
      EXPECT_EQ(message.rfind(tarball.string() + ": ", 0), 0u) << message;
    }
    EXPECT_EQ(listing(), before) << "verification wrote something";
    return message;
  }

  std::vector<fs::path> listing() const {
    std::vector<fs::path> paths;
    for (const auto& entry : fs::recursive_directory_iterator(temp.path())) paths.push_back(entry.path());
    std::sort(paths.begin(), paths.end());
    return paths;
  }

  static std::vector<TarItem> release_plus(std::vector<TarItem> extra) {
    auto items = test::backdrop_release("5.75.0");
    items.insert(items.end(), extra.begin(), extra.end());
    return items;
  }
};

#define EXPECT_REFUSED(message, needle) EXPECT_NE((message).find(needle), std::string::npos) << (message)

TEST_F(Verify, ValidBackdropRelease) {
  test::write_tarball(tarball, test::backdrop_release("5.75.0"));
  ReleaseTarball release = ReleaseTarball::verify(tarball);
  ASSERT_TRUE(release.version());
  EXPECT_EQ(release.version()->str(), "5.75.0");
  EXPECT_EQ(release.file_count(), 9u);
  EXPECT_GT(release.unpacked_bytes(), 5000u);
  EXPECT_EQ(release.compressed_bytes(), fs::file_size(tarball));
}

// 6.x keeps the Backdrop layout; from 6.18 Smarty is under vendor/, and a
// release without any packages/ directory is as good as one with it.
TEST_F(Verify, CiviCrm6ReleaseWithSmartyInVendor) {
  tarball = temp / "civicrm-6.19.0-backdrop.tar.gz";
  auto items = test::backdrop_release("6.19.0");
  std::erase_if(items, [](const TarItem& item) { return item.name.find("packages/") != std::string::npos; });
  items.push_back(test::directory("civicrm/vendor/"));
  items.push_back(test::directory("civicrm/vendor/smarty/"));
  items.push_back(test::directory("civicrm/vendor/smarty/smarty/"));
  items.push_back(test::file("civicrm/vendor/smarty/smarty/Smarty.class.php", "<?php\nclass Smarty {}\n"));
  test::write_tarball(tarball, items);
  ReleaseTarball release = ReleaseTarball::verify(tarball);
  EXPECT_EQ(release.version()->str(), "6.19.0");
  EXPECT_EQ(release.version()->major(), 6);
}

TEST_F(Verify, ExtensionCompatibilityIsReadWithoutUnpacking) {
  test::write_tarball(tarball, test::backdrop_release("5.75.0"));
  EXPECT_FALSE(ReleaseTarball::verify(tarball).extension_compatibility());
  const std::string json = "{\"org.example.old\": {\"obsolete\": \"5.75\", \"force-uninstall\": true}}\n";
  test::write_tarball(tarball, release_plus({test::file("civicrm/extension-compatibility.json", json)}));
  auto before = listing();
  ReleaseTarball release = ReleaseTarball::verify(tarball);
  ASSERT_TRUE(release.extension_compatibility());
  EXPECT_EQ(*release.extension_compatibility(), json);
  EXPECT_EQ(listing(), before);
}

TEST_F(Verify, PrereleaseVersion) {
  test::write_tarball(tarball, test::backdrop_release("5.76.beta1"));
  EXPECT_EQ(ReleaseTarball::verify(tarball).version()->str(), "5.76.beta1");
}

TEST_F(Verify, DrupalAndWordPressReleasesAreRefused) {
  EXPECT_REFUSED(refusal(test::backdrop_release("5.75.0", "Drupal")), "'cms' is 'Drupal', not 'Backdrop'");
  EXPECT_REFUSED(refusal(test::backdrop_release("5.75.0", "WordPress")), "'cms' is 'WordPress'");
  // The WordPress plugin nests everything one level deeper.
  EXPECT_REFUSED(refusal({test::directory("civicrm/"), test::file("civicrm/civicrm/civicrm-version.php", "<?php\n")}),
                 "no civicrm/civicrm-version.php");
}

TEST_F(Verify, MissingBackdropModuleInfo) {
  auto items = test::backdrop_release("5.75.0");
  std::erase_if(items, [](const TarItem& item) { return item.name == "civicrm/backdrop/civicrm.info"; });
  EXPECT_REFUSED(refusal(items), "no civicrm/backdrop/civicrm.info");
}

TEST_F(Verify, MissingVersionFiles) {
  auto items = test::backdrop_release("5.75.0");
  std::erase_if(items, [](const TarItem& item) { return item.name == "civicrm/xml/version.xml"; });
  EXPECT_REFUSED(refusal(items), "no civicrm/xml/version.xml");
  items = test::backdrop_release("5.75.0");
  std::erase_if(items, [](const TarItem& item) { return item.name == "civicrm/civicrm-version.php"; });
  EXPECT_REFUSED(refusal(items), "no civicrm/civicrm-version.php");
}

TEST_F(Verify, VersionThatIsNotAPlainLiteral) {
  auto items = test::backdrop_release("5.75.0");
  items[1].content =
      "<?php\nfunction civicrmVersion() {\n  return array('version' => CIVICRM_NEXT, 'cms' => 'Backdrop');\n}\n";
  EXPECT_REFUSED(refusal(items), "civicrm/civicrm-version.php line 3: 'version' is not a plain literal");
  items[1].content = test::version_php("five");
  EXPECT_REFUSED(refusal(items), "'five' is not a CiviCRM version");
}

TEST_F(Verify, DotDotEntry) {
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/../evil.php", "<?php")})),
                 "entry 'civicrm/../evil.php': path leaves the tree");
}

TEST_F(Verify, AbsolutePath) {
  EXPECT_REFUSED(refusal(release_plus({test::file("/etc/cron.d/evil", "x")})),
                 "entry '/etc/cron.d/evil': absolute path");
}

TEST_F(Verify, EntryOutsideTheTopDirectory) {
  EXPECT_REFUSED(refusal(release_plus({test::file("index.php", "x")})), "entry 'index.php': outside the top directory");
}

TEST_F(Verify, SymlinkLeavingTheTree) {
  EXPECT_REFUSED(refusal(release_plus({test::symlink("civicrm/etc", "../../etc")})),
                 "entry 'civicrm/etc': symlink to '../../etc' leaves the tree");
  EXPECT_REFUSED(refusal(release_plus({test::symlink("civicrm/root", "/")})), "symlink to the absolute path '/'");
  // Through another symlink of the archive.
  EXPECT_REFUSED(refusal(release_plus({test::symlink("civicrm/up", ".."), test::directory("civicrm/z/")})),
                 "leaves the tree");
  EXPECT_REFUSED(refusal(release_plus({test::symlink("civicrm/a", "CRM"), test::symlink("civicrm/b", "a/../../..")})),
                 "entry 'civicrm/b': symlink to 'a/../../..' leaves the tree");
}

TEST_F(Verify, SymlinkLoop) {
  EXPECT_REFUSED(refusal(release_plus({test::symlink("civicrm/l1", "l2"), test::symlink("civicrm/l2", "l1")})),
                 "loops");
}

TEST_F(Verify, SymlinkThenAFileThroughIt) {
  EXPECT_REFUSED(refusal(release_plus({test::symlink("civicrm/dir", "CRM"), test::file("civicrm/dir/x.php", "x")})),
                 "entry 'civicrm/dir/x.php': reached through the symlink 'civicrm/dir'");
}

TEST_F(Verify, HardlinkToOutside) {
  EXPECT_REFUSED(refusal(release_plus({test::hardlink("civicrm/passwd", "/etc/passwd")})), "absolute path");
  EXPECT_REFUSED(refusal(release_plus({test::hardlink("civicrm/passwd", "../etc/passwd")})), "leaves the tree");
  EXPECT_REFUSED(refusal(release_plus({test::hardlink("civicrm/x", "civicrm/not-in-archive")})),
                 "not an earlier file of the archive");
}

TEST_F(Verify, DeviceNodesAndFifos) {
  TarItem device;
  device.name = "civicrm/null";
  device.type = TarItem::Type::kCharDevice;
  EXPECT_REFUSED(refusal(release_plus({device})), "entry 'civicrm/null': a device file");
  device.type = TarItem::Type::kBlockDevice;
  EXPECT_REFUSED(refusal(release_plus({device})), "a device file");
  device.type = TarItem::Type::kFifo;
  EXPECT_REFUSED(refusal(release_plus({device})), "entry 'civicrm/null': a FIFO");
}

TEST_F(Verify, SetuidAndSetgid) {
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/bin/suid", "x", 04755)})),
                 "entry 'civicrm/bin/suid': setuid or setgid bit");
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/bin/sgid", "x", 02755)})), "setuid or setgid");
}

TEST_F(Verify, ControlCharactersInNames) {
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/a\nb", "x")})), "control character");
}

TEST_F(Verify, DuplicateEntry) {
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/CRM/Core/Config.php", "other")})), "duplicate entry");
}

TEST_F(Verify, BombBySize) {
  ReleaseLimits limits;
  limits.max_unpacked_bytes = 64 * 1024;
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/zeros", std::string(100 * 1024, '\0'))}), limits),
                 "unpacks to more than 65536 bytes");
  limits = {};
  limits.max_entry_bytes = 10 * 1024;
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/zeros", std::string(20 * 1024, '\0'))}), limits),
                 "entry 'civicrm/zeros': 20480 bytes, above the limit");
}

TEST_F(Verify, BombByCompressionRatio) {
  ReleaseLimits limits;
  limits.ratio_floor_bytes = 1024 * 1024;
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/zeros", std::string(8 << 20, '\0'))}), limits),
                 "compression ratio above 100:1");
}

TEST_F(Verify, TooManyEntries) {
  ReleaseLimits limits;
  limits.max_entries = 5;
  EXPECT_REFUSED(refusal(test::backdrop_release("5.75.0"), limits), "more than 5 entries");
}

TEST_F(Verify, Truncated) {
  auto items = release_plus({test::file("civicrm/big.bin", std::string(300000, 'q') + "end")});
  test::write_tarball(tarball, items);
  std::string bytes = read_file(tarball);
  for (size_t keep : {bytes.size() / 2, bytes.size() - 30, size_t{40}}) {
    test::write_text(tarball, bytes.substr(0, keep));
    std::string message = refusal_of_file();
    EXPECT_FALSE(message.empty()) << "kept " << keep << " bytes";
  }
}

TEST_F(Verify, BadGzip) {
  test::write_tarball(tarball, test::backdrop_release("5.75.0"));
  std::string bytes = read_file(tarball);
  for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 40 && i < bytes.size(); ++i)
    bytes[i] = static_cast<char>(~bytes[i]);
  test::write_text(tarball, bytes);
  EXPECT_FALSE(refusal_of_file().empty());
  // A broken gzip header.
  bytes = read_file(tarball);
  bytes[0] = 0x1f;
  bytes[1] = static_cast<char>(0x8b);
  bytes[2] = 99;  // no such compression method
  test::write_text(tarball, bytes);
  EXPECT_FALSE(refusal_of_file().empty());
}

TEST_F(Verify, NotATar) {
  test::write_text(tarball, "<html>404 Not Found</html>\n");
  EXPECT_REFUSED(refusal_of_file(), "not a gzip'd tar archive");
}

TEST_F(Verify, TarWithoutGzipAndOtherCompressions) {
  test::write_tarball(tarball, test::backdrop_release("5.75.0"), test::Compression::kNone);
  EXPECT_REFUSED(refusal_of_file(), "not gzip-compressed");
  test::write_tarball(tarball, test::backdrop_release("5.75.0"), test::Compression::kBzip2);
  EXPECT_REFUSED(refusal_of_file(), "compressed with bzip2, not gzip");
}

TEST_F(Verify, EmptyFileAndEmptyArchive) {
  test::write_text(tarball, "");
  EXPECT_REFUSED(refusal_of_file(), "empty file");
  test::write_tarball(tarball, {});
  EXPECT_REFUSED(refusal_of_file(), "holds no entries");
}

TEST_F(Verify, MissingFile) {
  std::string message;
  try {
    ReleaseTarball::verify(temp / "nope.tar.gz");
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_REFUSED(message, "nope.tar.gz: cannot open: No such file or directory");
}

TEST_F(Verify, L10nTarball) {
  test::write_tarball(tarball, test::l10n_tarball());
  ReleaseTarball l10n = ReleaseTarball::verify(tarball, TarballKind::kL10n);
  EXPECT_FALSE(l10n.version());
  EXPECT_EQ(l10n.file_count(), 2u);
  auto items = test::l10n_tarball();
  items.push_back(test::symlink("civicrm/l10n/x", "../../.."));
  EXPECT_REFUSED(refusal(items, {}, TarballKind::kL10n), "leaves the tree");
}

TEST_F(Verify, NamesThatAreNotPlainUtf8OrNotNormal) {
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/caf\xe9.php", "x")})), "not valid UTF-8");
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/a//b.php", "x")})), "empty or '.' path component");
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/./b.php", "x")})), "empty or '.' path component");
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/a\\b.php", "x")})), "backslash");
  // A leading "./" is how some tar tools write every name: accepted.
  auto items = test::backdrop_release("5.75.0");
  for (TarItem& item : items) {
    item.name = "./" + item.name;
    if (item.type == TarItem::Type::kHardlink) item.link = "./" + item.link;
  }
  test::write_tarball(tarball, items);
  EXPECT_EQ(ReleaseTarball::verify(tarball).version()->str(), "5.75.0");
}

TEST_F(Verify, TopDirectoryThatIsNotADirectory) {
  EXPECT_REFUSED(refusal({test::file("civicrm", "x")}), "the top civicrm/ is not a directory");
  EXPECT_REFUSED(refusal({test::symlink("civicrm", "/etc")}), "entry 'civicrm'");
}

TEST_F(Verify, EntryBelowAFile) {
  EXPECT_REFUSED(refusal(release_plus({test::file("civicrm/CRM/Core/Config.php/x", "x")})),
                 "below 'civicrm/CRM/Core/Config.php', which is a file");
}

TEST_F(Verify, HardlinkToASymlinkOrDirectory) {
  EXPECT_REFUSED(refusal(release_plus({test::hardlink("civicrm/h1", "civicrm/packages/README.link")})),
                 "not an earlier file of the archive");
  EXPECT_REFUSED(refusal(release_plus({test::hardlink("civicrm/h2", "civicrm/xml")})),
                 "not an earlier file of the archive");
}

}  // namespace
}  // namespace civiup
