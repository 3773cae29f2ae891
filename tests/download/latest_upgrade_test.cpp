// The good path on a generated site with databases: `check --latest`
// downloads and verifies (signature by the trusted key), a second check reuses
// the download, and `upgrade --latest` runs end to end on the verified file
// without downloading again.  A local --release is checked with --sha256sums.
#include <sys/stat.h>

#include <fmt/format.h>

#include "civiup/site/site.hpp"
#include "download/download_fixture.hpp"
#include "support/test_server.hpp"
#include "testbed/testbed.hpp"

namespace civiup {
namespace {

class LatestUpgrade : public DownloadTest {
 protected:
  void SetUp() override {
    test::require_test_server();
    DownloadTest::SetUp();
    testbed::SiteSpec spec;
    spec.version = "5.74.0";
    spec.backdrop_db = backdrop_db_.name();
    spec.civicrm_db = civicrm_db_.name();
    spec.civicrm_data_bytes = 64 * 1024;
    root_ = temp_ / "full" / "site";
    testbed::generate_site(root_, testbed::DatabaseServer::from_environment(), spec);
    publish();
  }

  static nlohmann::json json_of(const test::ProcessResult& result) {
    nlohmann::json json = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_TRUE(json.is_object()) << result.out << result.err;
    return json;
  }

  static mode_t mode_of(const fs::path& path) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    return st.st_mode & 07777;
  }

  test::ScratchDatabase backdrop_db_{"dlbd"};
  test::ScratchDatabase civicrm_db_{"dlcrm"};
};

TEST_F(LatestUpgrade, CheckDownloadsVerifiesAndReusesThenTheUpgradeRunsOnTheVerifiedFile) {
  test::ProcessResult first = check_latest({"--keyring", keyring_.string(), "--l10n"});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  nlohmann::json json = json_of(first);
  EXPECT_EQ(json["release_version"], "5.75.0");
  nlohmann::json source = json["release_source"];
  EXPECT_EQ(source["feed"], server_->base_url() + "/check?stability=stable");
  EXPECT_EQ(source["downloaded"], true);
  EXPECT_EQ(source["reused"], false);
  EXPECT_EQ(source["signature"], "verified: key " + trusted_->fingerprint());
  EXPECT_EQ(source["file"], (state_ / "downloads" / "civicrm-5.75.0-backdrop.tar.gz").string());
  EXPECT_EQ(downloads(), (std::vector<std::string>{"civicrm-5.75.0-backdrop.tar.gz", "civicrm-5.75.0-l10n.tar.gz",
                                                   "civicrm-5.75.0.SHA256SUMS", "civicrm-5.75.0.SHA256SUMS.asc"}));
  EXPECT_EQ(mode_of(state_ / "downloads"), 0700u);
  for (const std::string& name : downloads()) EXPECT_EQ(mode_of(state_ / "downloads" / name), 0600u) << name;

  // A second check: the same verified file, not downloaded again.
  test::ProcessResult second = check_latest({"--keyring", keyring_.string(), "--l10n"});
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(json_of(second)["release_source"]["reused"], true);
  EXPECT_EQ(server_->count_requests("/civicrm-5.75.0-backdrop.tar.gz"), 1u);
  EXPECT_EQ(server_->count_requests("/civicrm-5.75.0-l10n.tar.gz"), 1u);

  // The text form names the feed and the signature's state.
  test::ProcessResult text =
      test::run_civiup({"check", "--root", root_.string(), "--state-dir", state_.string(), "--latest", "--feed",
                        server_->base_url(), "--ca-file", pki_.ca_cert.string(), "--db-upgrade", "/bin/true"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("release feed: " + server_->base_url() + "/check?stability=stable names 5.75.0"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("signature not verified: no trusted key configured"), std::string::npos) << text.out;

  test::ProcessResult upgrade = civiup("upgrade", {"--latest", "--l10n", "--keyring", keyring_.string(), "--yes",
                                                   "--db-upgrade", std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db"});
  ASSERT_EQ(upgrade.exit_code, 0) << upgrade.out << upgrade.err;
  EXPECT_EQ(json_of(upgrade)["to_version"], "5.75.0");
  EXPECT_EQ(read_code_version(root_ / "modules" / "civicrm").str(), "5.75.0");
  EXPECT_TRUE(fs::exists(root_ / "modules/civicrm/l10n/fr_FR/LC_MESSAGES/civicrm.mo"))
      << "the l10n tarball was unpacked";
  EXPECT_EQ(server_->count_requests("/civicrm-5.75.0-backdrop.tar.gz"), 1u) << "the upgrade reused the download";

  // Now the newest is installed: --latest has nothing to do.
  test::ProcessResult again = check_latest();
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("names 5.75.0, which is already installed"), std::string::npos) << again.err;
}

TEST_F(LatestUpgrade, ExactVersionAndALocalReleaseCheckedAgainstItsSums) {
  test::ProcessResult exact = civiup("check", {"--version", "5.75.0", "--db-upgrade", "/bin/true"});
  ASSERT_EQ(exact.exit_code, 0) << exact.out << exact.err;
  EXPECT_EQ(json_of(exact)["release_source"]["feed"], server_->base_url() + "/versions.json");
  EXPECT_EQ(server_->count_requests("/civicrm-5.75.0-backdrop.tar.gz"), 1u);

  fs::path tarball = served("civicrm-5.75.0-backdrop.tar.gz");
  std::vector<std::string> local = {
      "check",     "--release",       tarball.string(), "--sha256sums", served(sums_name()).string(),
      "--keyring", keyring_.string(), "--db-upgrade",   "/bin/true"};
  test::ProcessResult good = civiup(local[0], {local.begin() + 1, local.end()});
  ASSERT_EQ(good.exit_code, 0) << good.out << good.err;
  EXPECT_EQ(json_of(good)["release_source"]["signature"], "verified: key " + trusted_->fingerprint());
  // A sums file that disagrees: refused, and the user's own file is kept.
  test::write_text(temp_ / "other.SHA256SUMS", std::string(64, 'c') + "  civicrm-5.75.0-backdrop.tar.gz\n");
  local[4] = (temp_ / "other.SHA256SUMS").string();
  local.erase(local.begin() + 5, local.begin() + 7);  // no keyring: the signature is not checked
  test::ProcessResult bad = civiup(local[0], {local.begin() + 1, local.end()});
  EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
  EXPECT_NE(bad.err.find("SHA-256 mismatch"), std::string::npos) << bad.err;
  EXPECT_TRUE(fs::exists(tarball));
}

}  // namespace
}  // namespace civiup
