// One error boundary, truthful exit codes (issue 15): every failure is one
// line `civiup: error: <object>: <cause>` and, with --json, one JSON object;
// exit 2 only when nothing changed, 3 when the site is left unfinished.
#include <csignal>

#include "civiup/site/site.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

class ErrorBoundaryTest : public UpgradeTest {
 protected:
  // One error line, naming an object and a non-empty cause, and the JSON object.
  void expect_one_error(const ProcessResult& result, int exit_code, const std::string& names) {
    EXPECT_EQ(result.exit_code, exit_code) << result.out << result.err;
    std::vector<std::string> lines;
    for (size_t start = 0; start < result.err.size();) {
      size_t end = result.err.find('\n', start);
      std::string line = result.err.substr(start, end - start);
      if (line.starts_with("civiup: error: ")) lines.push_back(line);
      if (end == std::string::npos) break;
      start = end + 1;
    }
    ASSERT_EQ(lines.size(), 1u) << result.err;
    std::string message = lines.front().substr(15);
    size_t colon = message.find(": ");
    ASSERT_NE(colon, std::string::npos) << "object: cause: " << message;
    EXPECT_GT(message.size(), colon + 2) << "an empty cause: " << message;
    EXPECT_NE(message.find(names), std::string::npos) << message;
    nlohmann::json out = json_of(result);
    EXPECT_EQ(out["ok"], false) << result.out;
    EXPECT_EQ(out["exit_code"], exit_code) << result.out;
    EXPECT_TRUE(out["error"].is_string() && !out["error"].get<std::string>().empty()) << result.out;
  }
};

// The standard library's filesystem_error used to reach std::terminate.
TEST_F(ErrorBoundaryTest, AStateDirectoryWhoseParentIsNotWritableIsOneLineAndExitTwo) {
  fs::path parent = tmp_ / "locked";
  fs::create_directories(parent);
  fs::permissions(parent, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
  SiteState before = state();
  // The tests run as root, which writes anywhere: drop the capabilities that
  // override file modes, so the 0555 parent refuses as it would a site user.
  ProcessResult result =
      test::run_process({"setpriv", "--bounding-set=-dac_override,-dac_read_search", CIVIUP_BINARY, "snapshot",
                         "--root", site_.root.string(), "--state-dir", (parent / "state").string(), "--json"});
  expect_one_error(result, 2, (parent / "state").string());
  EXPECT_NE(result.err.find("Permission denied"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(parent / "state"));
  expect_same(before, state());
}

// A journal edited by hand (valid checksum) that lacks a key of the run's context.
TEST_F(ErrorBoundaryTest, AJournalMissingAKeyIsOneLineAndExitTwo) {
  fs::create_directories(state_dir());
  JournalRecord record;
  record.transaction = "upgrade";
  record.id = "20260101T000000Z-1";
  record.started_at = "20260101T000000Z";
  record.pid = 999999;
  record.outcome = JournalOutcome::kRunning;
  record.commit_phase = "verify";
  record.context = {{"transaction", "upgrade"}, {"id", record.id}};  // no "root", no "state_dir", ...
  record.phases.push_back({"preflight", PhaseState::kDone, nlohmann::json::object(), 0});
  write_file_durably(state_dir() / "journal.json", encode_journal(record), 0600);
  SiteState before = state();
  ProcessResult result = test::run_civiup({"recover", "--root", site_.root.string(), "--yes", "--json"});
  expect_one_error(result, 2, "journal.json");
  EXPECT_NE(result.err.find("'root'"), std::string::npos) << "names the missing key: " << result.err;
  expect_same(before, state());
}

// A code snapshot manifest is in git; the dump manifest next to the dumps is
// a file anyone can damage.  A mode that is not a number used to be
// std::invalid_argument from std::stoul.
TEST_F(ErrorBoundaryTest, ACorruptSnapshotManifestIsOneLineAndExitTwo) {
  ProcessResult taken = test::run_civiup({"snapshot", "--root", site_.root.string(), "--json"});
  ASSERT_EQ(taken.exit_code, 0) << taken.err;
  std::string id = json_of(taken)["snapshot"]["id"].get<std::string>();
  std::string dumps = json_of(taken)["snapshot"]["dumps"].get<std::string>();
  fs::path manifest = state_dir() / "dumps" / dumps / "civicrm" / "manifest.json";
  std::string text = read_file(manifest);
  size_t rows = text.find("\"rows\":");
  ASSERT_NE(rows, std::string::npos);
  text.replace(rows, 7, "\"rows\":\"twelve\",\"x\":");
  write_file_durably(manifest, text, 0600);
  SiteState before = state();
  ProcessResult result = test::run_civiup({"restore", id, "--root", site_.root.string(), "--yes", "--json"});
  expect_one_error(result, 2, id.substr(0, 12));
  expect_same(before, state());
}

// Past the commit point recover rolls forward; when that fails the site has
// changed (it is upgraded), so the answer is 3, never 2, and recover can be
// run again.
TEST_F(ErrorBoundaryTest, ARollForwardThatFailsExitsThreeAndRecoverFinishesIt) {
  ASSERT_EQ(upgrade({{"CIVIUP_FAULT", "commit:before:kill"}}).exit_code, 128 + SIGKILL);
  test::ProcessOptions failing;
  failing.extra_env = {{"CIVIUP_FAULT", "commit:before"}};
  ProcessResult failed = test::run_civiup({"recover", "--root", site_.root.string(), "--yes", "--json"}, failing);
  expect_one_error(failed, 3, "commit");
  EXPECT_EQ(json_of(failed)["recovered"], false) << failed.out;
  ProcessResult finished = test::run_civiup({"recover", "--root", site_.root.string(), "--yes", "--json"});
  EXPECT_EQ(finished.exit_code, 0) << finished.out << finished.err;
  EXPECT_EQ(json_of(finished)["recovered"], "rolled_forward") << finished.out;
  EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), kTo);
}

}  // namespace
}  // namespace civiup
