// Local patches: files of modules/civicrm changed since the previous civiup
// upgrade installed that tree.  `check` lists them, `upgrade` refuses them
// (exit 2, nothing changed) unless --discard-local-changes is given.
#include <gtest/gtest.h>
#include <regex>

#include "civiup/site/site.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

class LocalChangesTest : public UpgradeTest {
 protected:
  ProcessResult check(const fs::path& release) {
    return test::run_civiup({"check", "--root", site_.root.string(), "--release", release.string(), "--db-upgrade",
                             std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db", "--json"});
  }

  fs::path some_php_file() const {
    for (const auto& entry : fs::recursive_directory_iterator(site_.root / "modules" / "civicrm" / "CRM")) {
      if (entry.is_regular_file() && entry.path().extension() == ".php") return entry.path();
    }
    return {};
  }
};

TEST_F(LocalChangesTest, WithoutAPreviousUpgradeThereIsNothingToCompare) {
  test::write_text(site_.root / "modules" / "civicrm" / "CRM" / "LocalPatch.php", "<?php // ours\n");
  ProcessResult checked = check(release_);
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_TRUE(json_of(checked)["local_changes"].empty()) << checked.out;
}

TEST_F(LocalChangesTest, APatchAfterAnUpgradeIsListedRefusedAndCanBeDiscarded) {
  ASSERT_EQ(upgrade().exit_code, 0);
  testbed::ReleaseSpec next;
  next.version = "5.76.0";
  release_ = testbed::write_release_tarball(tmp_ / "next", next);

  fs::path patched = some_php_file();
  ASSERT_FALSE(patched.empty());
  test::write_text(patched, read_file_if_present(patched) + "\n// local fix\n");
  test::write_text(site_.root / "modules" / "civicrm" / "CRM" / "LocalPatch.php", "<?php // ours\n");

  ProcessResult checked = check(release_);
  EXPECT_EQ(checked.exit_code, 2) << checked.out << checked.err;
  nlohmann::json report = json_of(checked);
  EXPECT_EQ(report["local_changes"].size(), 2u) << checked.out;
  EXPECT_NE(report["error"].get<std::string>().find("2 files changed since civiup installed 5.75.0"), std::string::npos)
      << report["error"];

  SiteState before = state();
  ProcessResult refused = upgrade();
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("2 files changed"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("LocalPatch.php"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--discard-local-changes"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.err.find('\n'), refused.err.size() - 1) << "one line: " << refused.err;
  expect_same(before, state());

  ProcessResult discarded = upgrade({}, {"--discard-local-changes", "-v"});
  EXPECT_EQ(discarded.exit_code, 0) << discarded.out << discarded.err;
  // -v: the command line and every phase's timing on stderr; never a progress line without a terminal.
  EXPECT_NE(discarded.err.find("command: "), std::string::npos) << discarded.err;
  EXPECT_NE(discarded.err.find("phase swap-code: apply done in"), std::string::npos) << discarded.err;
  // ... with the peak RSS so far (process_memory.hpp), a figure above 1 MB.
  EXPECT_TRUE(std::regex_search(discarded.err, std::regex("phase swap-code: apply done in [0-9.]+ s, "
                                                          "peak RSS so far [1-9][0-9]*\\.[0-9] MB")))
      << discarded.err;
  EXPECT_NE(discarded.err.find("upgrading anyway (--discard-local-changes)"), std::string::npos) << discarded.err;
  EXPECT_EQ(discarded.err.find('\r'), std::string::npos);
  EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), "5.76.0");
  EXPECT_FALSE(fs::exists(site_.root / "modules" / "civicrm" / "CRM" / "LocalPatch.php"));
}

}  // namespace
}  // namespace civiup
