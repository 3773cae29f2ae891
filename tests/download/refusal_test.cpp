// Each way a download can go wrong is refused with exit 2 and one line naming
// the object and the cause, before anything is unpacked, leaving nothing in
// <state>/downloads but a resumable .part (issue 18's table).
#include <chrono>
#include <fstream>

#include <fmt/format.h>

#include "download/download_fixture.hpp"
#include "support/process.hpp"
#include "testbed/testbed.hpp"

namespace civiup {
namespace {

constexpr const char* kTarball = "/civicrm-5.75.0-backdrop.tar.gz";

TEST_F(DownloadTest, ChecksumMismatchIsRefusedAndTheDownloadDeleted) {
  publish();
  std::string sums = test::run_process({"cat", served(sums_name()).string()}).out;
  sums[0] = sums[0] == '0' ? '1' : '0';  // one hex digit off
  test::write_text(served(sums_name()), sums);
  expect_refused(check_latest(), "civicrm-5.75.0-backdrop.tar.gz: SHA-256 mismatch");
  EXPECT_EQ(server_->count_requests(kTarball), 1u) << "the tarball was downloaded, then deleted";
}

TEST_F(DownloadTest, ReleaseMissingFromSha256sumsIsRefused) {
  publish();
  test::write_text(served(sums_name()), std::string(64, 'a') + "  civicrm-5.75.0-drupal.tar.gz\n");
  expect_refused(check_latest(), "civicrm-5.75.0-backdrop.tar.gz: not listed in");
  EXPECT_EQ(server_->count_requests(kTarball), 0u) << "refused before the download";
}

TEST_F(DownloadTest, AbsentSha256sumsIsRefused) {
  publish();
  fs::remove(served(sums_name()));
  expect_refused(check_latest(), "civicrm-5.75.0.SHA256SUMS: not found at");
}

TEST_F(DownloadTest, BadSignatureIsRefused) {
  publish();
  // Signed, then altered: the signature no longer matches the sums.
  std::ofstream(served(sums_name()), std::ios::app) << std::string(64, 'b') << "  civicrm-5.75.0-wordpress.zip\n";
  expect_refused(check_latest({"--keyring", keyring_.string()}), "BAD signature");
}

TEST_F(DownloadTest, SignatureByAnUntrustedKeyIsRefused) {
  publish(/*version=*/"5.75.0", /*sign=*/false);
  test::SigningKey stranger(temp_ / "gnupg-stranger", "stranger");
  stranger.sign(served(sums_name()));
  expect_refused(check_latest({"--keyring", keyring_.string()}), "not in the trusted keyring");
}

TEST_F(DownloadTest, MissingSignatureWithATrustedKeyIsRefused) {
  publish(/*version=*/"5.75.0", /*sign=*/false);
  expect_refused(check_latest({"--keyring", keyring_.string()}), ".SHA256SUMS.asc: not found");
}

TEST_F(DownloadTest, TruncatedDownloadIsRefusedAndResumedLater) {
  publish();
  server_->route(kTarball, {{"mode", "truncate"}});
  expect_refused(check_latest(), "https://127.0.0.1", /*part_allowed=*/true);
  ASSERT_EQ(downloads(), std::vector<std::string>{"civicrm-5.75.0-backdrop.tar.gz.part"});
  uint64_t half = fs::file_size(state_ / "downloads" / "civicrm-5.75.0-backdrop.tar.gz.part");
  EXPECT_EQ(half, fs::file_size(served("civicrm-5.75.0-backdrop.tar.gz")) / 2);
  // The next run asks only for the rest, and the whole verifies.  (This site
  // has no database: the run stops later, in preflight.)
  server_->route(kTarball, {});
  test::ProcessResult again = check_latest();
  EXPECT_EQ(server_->requests().back().find("GET /civicrm-5.75.0-backdrop.tar.gz bytes=" + std::to_string(half) + "-"),
            0u)
      << server_->requests().back();
  auto names = downloads();
  EXPECT_NE(std::find(names.begin(), names.end(), "civicrm-5.75.0-backdrop.tar.gz"), names.end()) << again.err;
  EXPECT_EQ(std::find(names.begin(), names.end(), "civicrm-5.75.0-backdrop.tar.gz.part"), names.end());
}

TEST_F(DownloadTest, ADownloadStoppedMidwayKeepsOnlyItsPart) {
  publish();
  // The fault point of the download's progress (what SIGINT/SIGTERM also stop
  // through): raised in libcurl's callback, rethrown once libcurl has returned.
  expect_refused(check_latest({}, {{"CIVIUP_FAULT", "download:inside@2"}}), "injected fault (download:inside",
                 /*part_allowed=*/true);
}

TEST_F(DownloadTest, AServerCertificateNotSignedByATrustedCaIsRefused) {
  publish();
  test::ProcessResult result = test::run_civiup({"--json", "check", "--root", root_.string(), "--state-dir",
                                                 state_.string(), "--latest", "--feed", server_->base_url()});
  expect_refused(result, "SSL certificate problem");
}

TEST_F(DownloadTest, ServerErrorsAreRefused) {
  publish();
  server_->route(kTarball, {{"mode", "status"}, {"status", 404}});
  expect_refused(check_latest(), "civicrm-5.75.0-backdrop.tar.gz: HTTP 404");
  server_->route(kTarball, {});
  server_->route("/check",
                 {{"mode", "status"}, {"status", 500}, {"body", R"({"rev":null,"message":"Unexpected exception"})"}});
  expect_refused(check_latest(), "check?stability=stable: HTTP 500: Unexpected exception");
}

TEST_F(DownloadTest, StalledServerIsRefusedAfterTheLowSpeedTimeout) {
  publish();
  server_->route(kTarball, {{"mode", "stall"}});
  auto start = std::chrono::steady_clock::now();
  test::ProcessResult result = check_latest({}, {{"CIVIUP_LOW_SPEED_TIME", "2"}});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  expect_refused(result, "too slow", /*part_allowed=*/true);
  EXPECT_GE(seconds, 1.9);
  EXPECT_LT(seconds, 15.0);
}

TEST_F(DownloadTest, RedirectToHttpIsRefused) {
  publish();
  server_->route(kTarball,
                 {{"mode", "redirect"}, {"location", fmt::format("http://127.0.0.1:{}{}", server_->port(), kTarball)}});
  expect_refused(check_latest(), "not https");
  EXPECT_EQ(server_->count_requests(kTarball), 1u) << "the http URL was never fetched";
}

TEST_F(DownloadTest, BodyLargerThanTheCapIsRefused) {
  publish();
  expect_refused(check_latest({}, {{"CIVIUP_DOWNLOAD_MAX_BYTES", "10000"}}), "larger than the cap");
}

TEST_F(DownloadTest, MalformedFeedJsonIsRefused) {
  publish();
  test::write_text(served("check"), R"({"version": "5.75.0", "tar": )");
  expect_refused(check_latest(), "malformed feed JSON");
  test::write_text(served("check"), R"({"version": "5.75.0", "rev": "5.75.0", "tar": []})");
  expect_refused(check_latest(), "malformed feed JSON");
}

TEST_F(DownloadTest, FeedPointingAtADrupalTarballIsRefused) {
  publish();
  nlohmann::json check = nlohmann::json::parse(test::run_process({"cat", served("check").string()}).out);
  check["tar"]["Backdrop"] = check["tar"]["Drupal"];
  test::write_text(served("check"), check.dump());
  expect_refused(check_latest(), "is not the Backdrop tarball of 5.75.0");
  // A Drupal release under the Backdrop name, listed in the sums: its content refuses it.
  testbed::ReleaseSpec drupal;
  drupal.version = "5.75.0";
  drupal.cms = "Drupal";
  drupal.file_count = 40;
  fs::path made = testbed::write_release_tarball(temp_ / "drupal", drupal);
  fs::rename(made, served("civicrm-5.75.0-backdrop.tar.gz"));
  write_sums("5.75.0", true);
  server_->route("/check", {});
  test::write_text(served("check"), feed_json("5.75.0").dump());
  expect_refused(check_latest(), "not 'Backdrop'");
}

TEST_F(DownloadTest, FeedNamingAnOlderVersionIsRefused) {
  publish("5.73.0");
  expect_refused(check_latest(), "names 5.73.0, older than the installed 5.74.0");
  EXPECT_EQ(server_->count_requests("/civicrm-5.73.0-backdrop.tar.gz"), 0u);
}

TEST_F(DownloadTest, UnknownVersionIsRefused) {
  publish();
  expect_refused(civiup("check", {"--version", "5.75.9", "--db-upgrade", "/bin/true"}),
                 "versions.json: lists no release 5.75.9");
}

}  // namespace
}  // namespace civiup
