// --root is a global option (issue 17): before the command, after it, as
// --root=DIR or not at all (the current directory or its nearest Backdrop
// parent), civiup works on the same site with the same state directory,
// resolved once and absolute.  The built binary on a generated site and the
// private MariaDB.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"
#include "testbed/testbed.hpp"

namespace civiup {
namespace {
namespace fs = std::filesystem;

class GlobalRoot : public ::testing::Test {
 protected:
  test::TempDir temp;
  testbed::Site site;
  fs::path release;

  void SetUp() override {
    test::require_test_server();
    static std::atomic<int> counter{0};
    std::string stem = fmt::format("groot{}_{}", ::getpid(), counter++);
    testbed::SiteSpec spec;
    spec.backdrop_db = stem + "_bd";
    spec.civicrm_db = stem + "_civi";
    spec.civicrm_data_bytes = 64 * 1024;
    site = testbed::generate_site(temp / "www", testbed::DatabaseServer::from_environment(), spec);
    testbed::ReleaseSpec release_spec;
    release_spec.version = "5.75.0";
    release_spec.file_count = 40;
    release_spec.total_bytes = 128 * 1024;
    fs::create_directories(temp / "release");
    release = testbed::write_release_tarball(temp / "release", release_spec);
  }

  void TearDown() override {
    if (HasFailure()) return;  // keep the databases of a failed test
    auto admin = test::connect();
    test::execute(*admin, fmt::format("DROP DATABASE IF EXISTS `{}`", site.backdrop_db));
    test::execute(*admin, fmt::format("DROP DATABASE IF EXISTS `{}`", site.civicrm_db));
  }

  // civiup with `args`, run in `cwd` (default: the temp dir, outside the site);
  // asserts one JSON object on stdout and returns it.
  nlohmann::json run(const std::vector<std::string>& args, int expected_exit, fs::path cwd = {}) {
    test::ProcessOptions options;
    options.cwd = cwd.empty() ? temp.path() : cwd;
    test::ProcessResult result = test::run_civiup(args, options);
    EXPECT_EQ(result.exit_code, expected_exit) << fmt::format("{}\n{}{}", fmt::join(args, " "), result.out, result.err);
    nlohmann::json json = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_TRUE(json.is_object()) << result.out << result.err;
    if (!json.is_object()) return nlohmann::json::object();
    EXPECT_EQ(json["ok"], expected_exit == 0) << result.out;
    EXPECT_EQ(json["exit_code"], expected_exit) << result.out;
    return json;
  }

  fs::path default_state() const { return site.root.string() + ".civiup"; }
};

TEST_F(GlobalRoot, StatusFindsTheSameSiteWhereverRootStands) {
  const std::string root = site.root.string();
  const std::vector<std::pair<std::vector<std::string>, fs::path>> runs = {
      {{"--json", "--root", root, "status", "--offline"}, {}},
      {{"--root", root, "--json", "status", "--offline"}, {}},
      {{"--json", "status", "--offline", "--root", root}, {}},
      {{"--json", "--root=" + root, "status", "--offline"}, {}},
      {{"--json", "status", "--offline"}, site.root / "modules"},  // the nearest Backdrop parent
  };
  for (const auto& [args, cwd] : runs) {
    nlohmann::json json = run(args, 0, cwd);
    SCOPED_TRACE(fmt::format("{}", fmt::join(args, " ")));
    EXPECT_EQ(json["root"], root);
    EXPECT_EQ(json["state_dir"], default_state().string());
    EXPECT_EQ(json["code_version"], "5.74.0");
    EXPECT_EQ(json["db_version"], "5.74.0");
    EXPECT_TRUE(json["journal"].is_null()) << json["journal"];
  }
}

// A relative --state-dir is made absolute once, against the directory civiup
// was started in, for every command alike (status printed it as given).
TEST_F(GlobalRoot, ARelativeStateDirIsMadeAbsoluteOnce) {
  const std::string root = site.root.string();
  nlohmann::json status = run({"--json", "--root", root, "--state-dir", "state/../state", "status", "--offline"}, 0);
  EXPECT_EQ(status["state_dir"], (temp / "state").string());
  nlohmann::json taken = run({"--json", "--state-dir", "state", "snapshot", "--root", root, "--message", "m"}, 0);
  ASSERT_TRUE(taken["snapshot"].is_object()) << taken;
  EXPECT_TRUE(fs::is_directory(temp / "state"));
  EXPECT_FALSE(fs::exists(default_state()));
  nlohmann::json listed = run({"--json", "--root", root, "--state-dir", "state", "snapshots"}, 0);
  ASSERT_EQ(listed["snapshots"].size(), 1u) << listed;
  EXPECT_EQ(listed["snapshots"][0]["id"], taken["snapshot"]["id"]);
}

TEST_F(GlobalRoot, CheckTakesTheRootBeforeOrAfterTheCommand) {
  const std::string root = site.root.string();
  std::vector<std::string> rest = {"--release", release.string(), "--db-upgrade", "/bin/true", "--offline"};
  std::vector<std::string> before = {"--json", "--root", root, "check"};
  before.insert(before.end(), rest.begin(), rest.end());
  std::vector<std::string> after = {"--json", "check", "--root", root};
  after.insert(after.end(), rest.begin(), rest.end());
  for (const auto& args : {before, after}) {
    nlohmann::json json = run(args, 0);
    SCOPED_TRACE(fmt::format("{}", fmt::join(args, " ")));
    EXPECT_EQ(json["ready"], true) << json["problems"];
    EXPECT_TRUE(json["error"].is_null());
    EXPECT_EQ(json["root"], root);
    EXPECT_EQ(json["state_dir"]["path"], default_state().string());
  }
  EXPECT_FALSE(fs::exists(default_state())) << "check created the state directory";
}

}  // namespace
}  // namespace civiup
