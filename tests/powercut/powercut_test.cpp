// Power cuts: the site and its state directory live on an ext4 filesystem of
// their own (an image on a loop device); a fault point shuts that filesystem
// down the way a power cut does (EXT4_IOC_SHUTDOWN without flushing the
// journal: whatever was not durable is lost) and kills civiup.  The test then
// unmounts, mounts again (the journal replays), runs `civiup recover`, and
// compares the site with its state before the upgrade (or the finished
// upgrade, past the commit point).
//
// Needs root, loop devices and mkfs.ext4.  Where the machine lacks them, each
// test says that it did not run and why, and is reported as skipped.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <csignal>
#include <cstdio>

#include "civiup/base/unique_fd.hpp"

#include "civiup/site/site.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

// Where a power cut is tried: each phase's "before" point comes right after
// the journal recorded the previous phase, its "after" point right after the
// phase acted and before the journal says so.
const std::vector<std::string> kPoints = {
    "stage-release", "snapshot-code",   "pre-snapshot-databases", "maintenance-on",  "snapshot-databases",
    "swap-code",     "clear-templates", "upgrade-database",       "maintenance-off", "commit"};

// Why power cuts cannot be simulated here, or "" when they can.
std::string why_no_power_cut() {
  if (::geteuid() != 0) return "not root (mounting a loop device needs it)";
  if (!fs::exists("/dev/loop-control")) return "no /dev/loop-control (no loop devices)";
  for (const char* tool : {"/usr/sbin/mkfs.ext4", "/sbin/mkfs.ext4"}) {
    if (fs::exists(tool)) return "";
  }
  return "mkfs.ext4 not found (Debian package e2fsprogs)";
}

class PowerCutTest : public UpgradeTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    test::require_test_server();
    if (std::string why = why_no_power_cut(); !why.empty()) {
      std::printf("[ not run  ] power-cut test: %s\n", why.c_str());
      GTEST_SKIP() << "power-cut test did not run: " << why;
    }
    image_ = tmp_ / "disk.img";
    disk_ = tmp_ / "disk";
    fs::create_directories(disk_);
    run_ok({"truncate", "-s", "512M", image_.string()});
    run_ok({"mkfs.ext4", "-q", "-F", image_.string()});
    if (test::ProcessResult mounted = test::run_process({"mount", "-o", "loop", image_.string(), disk_.string()});
        mounted.exit_code != 0) {
      std::printf("[ not run  ] power-cut test: mounting a loop device failed: %s\n", mounted.err.c_str());
      GTEST_SKIP() << "power-cut test did not run: mount -o loop failed: " << mounted.err;
    }
    mounted_ = true;

    make_site_and_release(disk_ / "site", default_site_spec());
    ::sync();  // the generated site itself must survive the power cut
  }

  void TearDown() override {
    if (mounted_) test::run_process({"umount", disk_.string()});
  }

  static void run_ok(const std::vector<std::string>& argv) {
    test::ProcessResult result = test::run_process(argv);
    ASSERT_EQ(result.exit_code, 0) << argv.front() << ": " << result.err;
  }

  // The fault point really cut the power: the filesystem refuses every write.
  void expect_power_was_cut() {
    UniqueFd fd(::open((disk_ / "probe").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    int error = errno;
    EXPECT_LT(fd.get(), 0) << "the filesystem still accepts writes: the power cut did not happen";
    EXPECT_EQ(error, EIO);
  }

  // The machine comes back: the shut-down filesystem is unmounted and
  // mounted again, which replays its journal.
  void power_on() {
    run_ok({"umount", disk_.string()});
    mounted_ = false;
    run_ok({"mount", "-o", "loop", image_.string(), disk_.string()});
    mounted_ = true;
  }

  std::map<std::string, std::string> power_cut_at(const std::string& point) {
    return {{"CIVIUP_FAULT", point + ":powercut"}, {"CIVIUP_FAULT_POWERCUT", disk_.string()}};
  }

  ProcessResult recover(std::map<std::string, std::string> env = {}) {
    test::ProcessOptions options;
    options.extra_env = std::move(env);
    return test::run_civiup({"recover", "--root", site_.root.string(), "--yes", "--json"}, options);
  }

  fs::path image_;
  fs::path disk_;
  bool mounted_ = false;
};

TEST_P(PowerCutTest, PowerCutAndRecovered) {
  const std::string phase = GetParam();
  SiteState before = state();
  for (const char* when : {"before", "after"}) {
    const std::string point = phase + ":" + when;
    SCOPED_TRACE("power cut at " + point);
    ProcessResult cut = upgrade(power_cut_at(point));
    ASSERT_EQ(cut.exit_code, 128 + SIGKILL) << cut.out << cut.err;
    expect_power_was_cut();
    ASSERT_NO_FATAL_FAILURE(power_on());
    ProcessResult recovered = recover();
    if (phase == "commit") {
      // The commit point ("verify" recorded) is durable before "commit" starts.
      EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
      EXPECT_EQ(json_of(recovered)["outcome"], "committed") << recovered.out;
      EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), kTo);
      EXPECT_EQ(query(site_.civicrm_db, "SELECT version FROM civicrm_domain LIMIT 1"), kTo);
      return;
    }
    EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
    EXPECT_EQ(json_of(recovered)["recovered"], "rolled_back") << recovered.out;
    expect_same(before, state());
    EXPECT_EQ(recover().exit_code, 0) << "nothing left to recover";
  }
  std::printf("[ powercut ] %s: before and after, recovered\n", phase.c_str());
}

INSTANTIATE_TEST_SUITE_P(SwapAndJournalSteps, PowerCutTest, ::testing::ValuesIn(kPoints), [](const auto& param_info) {
  std::string name = param_info.param;
  std::erase(name, '-');
  return name;
});

// The power also fails while recover undoes the swap; recover runs again.
class PowerCutDuringRecoverTest : public PowerCutTest {};

TEST_F(PowerCutDuringRecoverTest, RecoverCutMidwayIsRecoveredAgain) {
  SiteState before = state();
  ASSERT_EQ(upgrade(power_cut_at("upgrade-database:after")).exit_code, 128 + SIGKILL);
  ASSERT_NO_FATAL_FAILURE(power_on());
  ProcessResult first = recover(power_cut_at("swap-code:undo"));
  ASSERT_EQ(first.exit_code, 128 + SIGKILL) << first.out << first.err;
  expect_power_was_cut();
  ASSERT_NO_FATAL_FAILURE(power_on());
  ProcessResult second = recover();
  EXPECT_EQ(second.exit_code, 0) << second.out << second.err;  // consistent again: rolled back
  EXPECT_EQ(json_of(second)["recovered"], "rolled_back") << second.out;
  expect_same(before, state());
}

}  // namespace
}  // namespace civiup
