// Private means private (issue 15): everything civiup writes under a state
// directory is the owner's only (directories 0700, files without group or
// other bits), code.git included (its packs hold settings.php with the
// database password), whatever the umask.  Checked after each command.
#include <sys/stat.h>

#include <fmt/format.h>

#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

class PrivateStateTest : public UpgradeTest {
 protected:
  // civiup under umask 000: nothing may rely on the umask for privacy.
  ProcessResult run_umask0(std::vector<std::string> args) {
    std::vector<std::string> argv = {"sh", "-c", "umask 000; exec \"$0\" \"$@\"", CIVIUP_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::run_process(argv);
  }

  // Every entry under `dir` readable, writable or enterable by group or others.
  static std::vector<std::string> exposed(const fs::path& dir) {
    std::vector<std::string> found;
    auto check = [&](const fs::path& path) {
      struct stat info {};
      if (::lstat(path.c_str(), &info) != 0 || S_ISLNK(info.st_mode)) return;
      if ((info.st_mode & 077) != 0) found.push_back(fmt::format("{:o} {}", info.st_mode & 07777, path.string()));
    };
    check(dir);
    for (const auto& entry : fs::recursive_directory_iterator(dir)) check(entry.path());
    return found;
  }

  void expect_private(const fs::path& dir, const std::string& after) {
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    std::vector<std::string> found = exposed(dir);
    std::string list;
    for (size_t i = 0; i < found.size() && i < 20; ++i) list += "\n  " + found[i];
    EXPECT_TRUE(found.empty()) << "after " << after << ", " << found.size() << " entries of " << dir.string()
                               << " are open to group or others:" << list;
  }
};

TEST_F(PrivateStateTest, EveryCommandLeavesTheStateDirectoryOwnerOnly) {
  ProcessResult upgraded =
      run_umask0({"upgrade", "--root", site_.root.string(), "--release", release_.string(), "--db-upgrade",
                  std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db", "--yes", "--json"});
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out << upgraded.err;
  expect_private(state_dir(), "upgrade");
  ASSERT_TRUE(fs::exists(state_dir() / "code.git" / "objects" / "pack"));

  ProcessResult snapshot = run_umask0({"snapshot", "--root", site_.root.string(), "--json"});
  ASSERT_EQ(snapshot.exit_code, 0) << snapshot.err;
  expect_private(state_dir(), "snapshot");

  ProcessResult rolled_back =
      run_umask0({"rollback", "--root", site_.root.string(), "--yes", "--discard-changes", "--json"});
  ASSERT_EQ(rolled_back.exit_code, 0) << rolled_back.out << rolled_back.err;
  expect_private(state_dir(), "rollback");

  ProcessResult pruned = run_umask0({"prune", "--root", site_.root.string(), "--keep", "1", "--yes", "--json"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
  expect_private(state_dir(), "prune");

  fs::path copy = tmp_ / "copy";
  grant_prefix("prv_");
  ProcessResult rehearsed = run_umask0({"rehearse", "--root", site_.root.string(), "--release", release_.string(),
                                        "--to-root", copy.string(), "--to-db-prefix", "prv_", "--db-upgrade",
                                        std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db", "--json"});
  EXPECT_EQ(rehearsed.exit_code, 0) << rehearsed.out << rehearsed.err;
  expect_private(state_dir(), "rehearse (production's state directory)");
  expect_private(fs::path(copy.string() + ".civiup"), "rehearse (the copy's state directory)");
  // The copy's databases (prv_ + the scratch names) go with it.
  ProcessResult cleaned = test::run_civiup({"rehearse", "--cleanup", "--to-root", copy.string(), "--json"});
  EXPECT_EQ(cleaned.exit_code, 0) << cleaned.err;
}

}  // namespace
}  // namespace civiup
