// Release tarballs and trees from the test bed: what civiup's release staging
// will read must look like distmaker's civicrm-X.Y.Z-backdrop.tar.gz.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "tarball_reader.hpp"
#include "testbed/testbed.hpp"

namespace civiup::test {
namespace {

namespace tb = civiup::testbed;

std::string capture(const std::string& text, const std::string& pattern) {
  std::smatch match;
  if (!std::regex_search(text, match, std::regex(pattern))) return "<no match for " + pattern + ">";
  return match[1];
}

TEST(Release, TarballHoldsABackdropReleaseUnderCivicrm) {
  TempDir dir;
  tb::ReleaseSpec spec;
  spec.version = "5.75.2";
  spec.bundled_modules = {"civicrmtheme", "civicrm_rules"};
  auto path = tb::write_release_tarball(dir.path(), spec);
  EXPECT_EQ(path, dir / "civicrm-5.75.2-backdrop.tar.gz");
  // gzip magic: civiup and tar -xzf both expect gzip.
  EXPECT_EQ(read_file(path).substr(0, 2), "\x1f\x8b");

  auto entries = read_tarball(path, true);
  for (const auto& [name, entry] : entries) {
    EXPECT_TRUE(name == "civicrm/" || name.starts_with("civicrm/")) << name;
    EXPECT_EQ(name.find(".."), std::string::npos) << name;
  }
  ASSERT_TRUE(entries.count("civicrm/civicrm-version.php"));
  const std::string version_php = entries["civicrm/civicrm-version.php"].content;
  EXPECT_TRUE(version_php.starts_with("<?php\n"));
  EXPECT_EQ(capture(version_php, R"('version'\s*=>\s*'([^']+)')"), "5.75.2");
  EXPECT_EQ(capture(version_php, R"('cms'\s*=>\s*'([^']+)')"), "Backdrop");
  EXPECT_EQ(capture(entries["civicrm/xml/version.xml"].content, "<version_no>([^<]+)</version_no>"), "5.75.2");

  const std::string info = entries["civicrm/backdrop/civicrm.info"].content;
  EXPECT_NE(info.find("name = CiviCRM"), std::string::npos) << info;
  EXPECT_NE(info.find("backdrop = 1.x"), std::string::npos) << info;
  EXPECT_TRUE(entries.count("civicrm/backdrop/civicrm.module"));
  for (const std::string module : {"civicrmtheme", "civicrm_rules"}) {
    auto name = fmt::format("civicrm/backdrop/modules/{0}/{0}.info", module);
    ASSERT_TRUE(entries.count(name)) << name;
    EXPECT_NE(entries[name].content.find("dependencies[] = civicrm\n"), std::string::npos);
  }
  for (const std::string top : {"CRM", "api", "templates", "packages", "vendor", "js", "css", "xml", "ext"}) {
    EXPECT_TRUE(entries.count("civicrm/" + top + "/") && entries["civicrm/" + top + "/"].directory) << top;
  }
  // Nested directories, executables kept, sizes near the spec.
  size_t deepest = 0, files = 0;
  int64_t bytes = 0;
  for (const auto& [name, entry] : entries) {
    deepest = std::max<size_t>(deepest, static_cast<size_t>(std::count(name.begin(), name.end(), '/')));
    if (!entry.directory) {
      ++files;
      bytes += entry.size;
    }
  }
  EXPECT_GE(deepest, 4u);
  EXPECT_NEAR(static_cast<double>(files), static_cast<double>(spec.file_count),
              static_cast<double>(spec.file_count) * 0.05);
  EXPECT_NEAR(static_cast<double>(bytes), static_cast<double>(spec.total_bytes),
              static_cast<double>(spec.total_bytes) * 0.15);
  EXPECT_EQ(entries["civicrm/bin/regen.sh"].mode, 0755u);
  EXPECT_EQ(entries["civicrm/civicrm-version.php"].mode, 0644u);
}

TEST(Release, SameSpecGivesTheSameBytesAndVersionsDiffer) {
  TempDir dir;
  tb::ReleaseSpec old_spec;
  old_spec.version = "5.74.0";
  tb::ReleaseSpec new_spec = old_spec;
  new_spec.version = "5.75.0";
  auto first = tb::write_release_tarball(dir / "a", old_spec);
  auto again = tb::write_release_tarball(dir / "b", old_spec);
  EXPECT_EQ(read_file(first), read_file(again));

  auto old_files = read_tarball(first, true);
  auto new_files = read_tarball(tb::write_release_tarball(dir / "c", new_spec), true);
  size_t same = 0, changed = 0, added = 0, removed = 0;
  for (const auto& [name, entry] : new_files) {
    if (entry.directory) continue;
    auto it = old_files.find(name);
    if (it == old_files.end())
      ++added;
    else if (it->second.content == entry.content)
      ++same;
    else
      ++changed;
  }
  for (const auto& [name, entry] : old_files) removed += (!entry.directory && !new_files.count(name)) ? 1U : 0U;
  EXPECT_GT(same, changed) << "most files stay the same between versions";
  EXPECT_GT(changed, 20u);
  EXPECT_GE(added + removed, 2u);  // the version's own upgrade SQL at least
  EXPECT_TRUE(new_files.count("civicrm/CRM/Upgrade/Incremental/sql/5.75.0.mysql.tpl"));
  EXPECT_FALSE(new_files.count("civicrm/CRM/Upgrade/Incremental/sql/5.74.0.mysql.tpl"));
}

TEST(Release, TreeHoldsExactlyWhatTheTarballHolds) {
  TempDir dir;
  tb::ReleaseSpec spec;
  spec.seed = 7;
  tb::write_release_tree(dir / "tree", spec);
  auto tree = read_tree(dir / "tree");
  auto tarball = read_tarball(tb::write_release_tarball(dir.path(), spec), true);
  size_t files = 0;
  for (const auto& [name, entry] : tarball) {
    if (entry.directory) continue;
    ++files;
    ASSERT_TRUE(tree.count(name)) << name;
    EXPECT_EQ(tree[name], entry.content) << name;
    auto perms = std::filesystem::status(dir / "tree" / name).permissions();
    EXPECT_EQ(static_cast<unsigned>(perms), entry.mode) << name;
  }
  EXPECT_EQ(files, tree.size());
  // The tree refuses to be written over an existing one.
  EXPECT_THROW(tb::write_release_tree(dir / "tree", spec), std::runtime_error);
}

TEST(Release, DrupalAndWordPressReleasesSayTheirCms) {
  TempDir dir;
  tb::ReleaseSpec spec;
  spec.cms = "Drupal";
  auto drupal = tb::write_release_tarball(dir.path(), spec);
  EXPECT_EQ(drupal.filename(), "civicrm-5.75.0-drupal.tar.gz");
  auto entries = read_tarball(drupal, true);
  EXPECT_EQ(capture(entries["civicrm/civicrm-version.php"].content, R"('cms'\s*=>\s*'([^']+)')"), "Drupal");
  EXPECT_TRUE(entries.count("civicrm/drupal/civicrm.info"));
  EXPECT_FALSE(entries.count("civicrm/backdrop/civicrm.info"));
  spec.cms = "WordPress";
  auto wordpress = read_tarball(tb::write_release_tarball(dir.path(), spec), true);
  EXPECT_EQ(capture(wordpress["civicrm/civicrm-version.php"].content, R"('cms'\s*=>\s*'([^']+)')"), "WordPress");
  EXPECT_FALSE(wordpress.count("civicrm/backdrop/"));
}

TEST(Release, ReleaseScaleTarballIsWrittenInSeconds) {
  TempDir dir;
  auto spec = tb::ReleaseSpec::release_scale("5.76.0");
  auto start = std::chrono::steady_clock::now();
  auto path = tb::write_release_tarball(dir.path(), spec);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("release-scale tarball written in {:.2f} s ({} bytes)\n", seconds, std::filesystem::file_size(path));
  EXPECT_LT(seconds, 20.0);

  auto entries = read_tarball(path, false);
  size_t files = 0, directories = 0;
  int64_t bytes = 0;
  for (const auto& [name, entry] : entries) {
    if (entry.directory)
      ++directories;
    else {
      ++files;
      bytes += entry.size;
    }
  }
  EXPECT_NEAR(static_cast<double>(files), 16300.0, 300.0);
  EXPECT_NEAR(static_cast<double>(directories), 2900.0, 150.0);
  EXPECT_NEAR(static_cast<double>(bytes), 165e6, 10e6);
  // Mostly text: it compresses like source code does.
  EXPECT_LT(static_cast<double>(std::filesystem::file_size(path)), static_cast<double>(bytes) / 3.0);
}

TEST(Release, CommandLineWritesTarballAndTree) {
  TempDir dir;
  auto result = run_process({CIVIUP_TESTBED_BINARY, "release", "--out", dir.path().string(), "--version", "5.80.1",
                             "--files", "120", "--mb", "1", "--seed", "3"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, (dir / "civicrm-5.80.1-backdrop.tar.gz").string() + "\n");
  auto entries = read_tarball(dir / "civicrm-5.80.1-backdrop.tar.gz", false);
  EXPECT_NEAR(static_cast<double>(entries.size()), 140.0, 60.0);

  result = run_process({CIVIUP_TESTBED_BINARY, "release", "--out", (dir / "t").string(), "--version", "5.80.1",
                        "--files", "120", "--mb", "1", "--seed", "3", "--unpacked"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::filesystem::is_regular_file(dir / "t" / "civicrm" / "xml" / "version.xml"));

  result = run_process({CIVIUP_TESTBED_BINARY, "release", "--version", "5.80.1"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.err.find("--out"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace civiup::test
