// The crash matrix: civiup SIGKILLs itself at every phase's fault points
// (before the phase acts, and after it acted but before the journal says so);
// `civiup recover` must then leave the site exactly as before the upgrade, or,
// past the commit point, finish the upgrade.  Recover itself is also killed
// and run again.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "civiup/site/site.hpp"
#include "civiup/upgrade/phase_plan.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

// The upgrade's phases in order, from the phase table (a new phase gets its
// crash tests there); the commit point is "verify".
const std::vector<std::string>& kMatrix = phases::phase_order("upgrade");

// Inside the long steps: killed at a progress report of the phase's long step
// ("<phase>:inside" is its begin, "inside@N" the Nth report; terminal_progress.hpp).
const std::vector<std::string> kInsidePoints = {
    "stage-release:inside",        "stage-release:inside@2",          "snapshot-code:inside",
    "snapshot-code:inside@3",      "pre-snapshot-databases:inside@5", "snapshot-databases:inside",
    "snapshot-databases:inside@5", "upgrade-database:inside",         "commit:inside"};

// The commit point is "verify" recorded done; killed at "verify:after" the
// journal has not recorded it, so that run is rolled back (verify changes nothing).
bool past_commit_point(const std::string& phase) { return phase == "commit"; }

class CrashMatrixTest : public UpgradeTest, public ::testing::WithParamInterface<std::string> {
 protected:
  ProcessResult recover(std::map<std::string, std::string> env = {}) {
    test::ProcessOptions options;
    options.extra_env = std::move(env);
    return test::run_civiup({"recover", "--root", site_.root.string(), "--yes", "--json"}, options);
  }

  // recover left the site consistent: exit 0, no error line, "rolled_back".
  void expect_rolled_back(const ProcessResult& recovered) {
    EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
    nlohmann::json out = json_of(recovered);
    EXPECT_EQ(out["outcome"], "rolled-back") << recovered.out;
    EXPECT_EQ(out["recovered"], "rolled_back") << recovered.out;
    EXPECT_EQ(recovered.err.find("civiup: error"), std::string::npos) << recovered.err;
  }

  void expect_upgraded() {
    EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), kTo);
    EXPECT_EQ(query(site_.civicrm_db, "SELECT version FROM civicrm_domain LIMIT 1"), kTo);
    EXPECT_TRUE(fs::is_empty(state_dir() / "staging")) << "the old tree is removed by the finished commit";
  }
};

TEST_P(CrashMatrixTest, KilledAtTheFaultPointsAndRecovered) {
  const std::string phase = GetParam();
  SiteState before = state();
  for (const char* when : {"before", "after"}) {
    SCOPED_TRACE(phase + ":" + when);
    ProcessResult killed = upgrade({{"CIVIUP_FAULT", phase + ":" + when + ":kill"}});
    ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.out << killed.err;
    ProcessResult recovered = recover();
    if (past_commit_point(phase)) {
      EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
      EXPECT_EQ(json_of(recovered)["outcome"], "committed");
      EXPECT_EQ(json_of(recovered)["recovered"], "rolled_forward");
      expect_upgraded();
      return;  // the site is upgraded now; the "after" point needs a fresh site
    }
    expect_rolled_back(recovered);
    expect_same(before, state());
  }
}

INSTANTIATE_TEST_SUITE_P(EveryUpgradePhase, CrashMatrixTest, ::testing::ValuesIn(kMatrix), [](const auto& param_info) {
  std::string name = param_info.param;
  std::erase(name, '-');
  return name;
});

// "commit:after" (the matrix's commit case stops after "commit:before").
class CrashPastCommitTest : public CrashMatrixTest {};

TEST_F(CrashPastCommitTest, KilledAfterCommitIsFinished) {
  ProcessResult killed = upgrade({{"CIVIUP_FAULT", "commit:after:kill"}});
  ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.err;
  ProcessResult recovered = recover();
  EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
  expect_upgraded();
}

// Every phase of a successful run is in the matrix: a phase run without being
// in the table (so without a crash test) fails here.
TEST_F(CrashMatrixTest, TheMatrixCoversEveryPhaseOfARealRun) {
  ProcessResult result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  size_t covered = 0;
  nlohmann::json out = json_of(result);
  for (const auto& phase : out["phases"]) {
    std::string name = phase["name"].get<std::string>();
    EXPECT_NE(std::find(kMatrix.begin(), kMatrix.end(), name), kMatrix.end()) << name << " has no crash test";
    ++covered;
  }
  std::printf("[ crash    ] %zu phases x 2 fault points (before, after) + %zu inside points covered\n", covered,
              kInsidePoints.size());
  EXPECT_EQ(covered, kMatrix.size());
}

class CrashInsideTest : public CrashMatrixTest {};

TEST_P(CrashInsideTest, KilledInsideALongStepAndRecovered) {
  const std::string point = GetParam();
  SiteState before = state();
  ProcessResult killed = upgrade({{"CIVIUP_FAULT", point + ":kill"}});
  ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << point << " never fired: " << killed.out << killed.err;
  ProcessResult recovered = recover();
  if (point.starts_with("commit:")) {
    EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
    expect_upgraded();
    return;
  }
  expect_rolled_back(recovered);
  expect_same(before, state());
}

INSTANTIATE_TEST_SUITE_P(LongSteps, CrashInsideTest, ::testing::ValuesIn(kInsidePoints), [](const auto& param_info) {
  std::string name = param_info.param;
  std::erase_if(name, [](char c) { return c == '-' || c == ':'; });
  std::replace(name.begin(), name.end(), '@', '_');
  return name;
});

// Recover itself is killed (in the undo of the swap, then of the DB upgrade)
// and run again.
TEST_F(CrashMatrixTest, RecoverKilledMidwayIsRecoveredAgain) {
  SiteState before = state();
  ASSERT_EQ(upgrade({{"CIVIUP_FAULT", "enable-integrations:before:kill"}}).exit_code, 128 + SIGKILL);
  ProcessResult first = recover({{"CIVIUP_FAULT", "upgrade-database:undo:kill"}});
  EXPECT_EQ(first.exit_code, 128 + SIGKILL) << first.out << first.err;
  ProcessResult second = recover({{"CIVIUP_FAULT", "swap-code:undo:kill"}});
  EXPECT_EQ(second.exit_code, 128 + SIGKILL) << second.out << second.err;
  ProcessResult third = recover();
  expect_rolled_back(third);
  expect_same(before, state());
  EXPECT_EQ(recover().exit_code, 0) << "recover is idempotent";
}

// An external kill -9 (not a fault point: whatever civiup is doing at that
// moment) at moments spread over the run; recover always leaves the site
// consistent and exits 0: rolled back to exactly the site before, or, when
// the kill came past the commit point, forward to the new release.
TEST_F(CrashMatrixTest, ExternalKillAtSpreadOutMomentsIsRecovered) {
  SiteState before = state();
  // The stand-in upgrader sleeps before each step, so the run lasts a few
  // seconds even on a quiet machine and the moments fall in different phases.
  for (int delay_ms : {150, 500, 1000, 1700, 2600}) {
    SCOPED_TRACE("killed after " + std::to_string(delay_ms) + " ms");
    std::vector<std::string> args = {
        CIVIUP_BINARY, "upgrade",         "--root",       site_.root.string(),
        "--release",   release_.string(), "--db-upgrade", std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db",
        "--yes",       "--json"};
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 1);
      ::dup2(null, 2);
      ::setenv("CIVIUP_STANDIN_DELAY_MS", "400", 1);
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    bool finished = WIFEXITED(status);
    ProcessResult recovered = recover();
    EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
    EXPECT_EQ(recovered.err.find("civiup: error"), std::string::npos) << recovered.err;
    if (finished || json_of(recovered)["recovered"] == "rolled_forward") {
      std::printf("[ crash    ] killed after %d ms: %s\n", delay_ms,
                  finished ? "the run had finished" : "rolled forward");
      expect_upgraded();
      return;  // upgraded: the later moments would need a fresh site
    }
    nlohmann::json out = json_of(recovered);
    std::printf("[ crash    ] killed after %d ms: recovered %s\n", delay_ms, out["recovered"].dump().c_str());
    EXPECT_TRUE(out["recovered"] == "rolled_back" || out["recovered"] == false) << recovered.out;
    expect_same(before, state());
  }
}

}  // namespace
}  // namespace civiup
