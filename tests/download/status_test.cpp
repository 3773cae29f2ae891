// "Is an upgrade due?": status reports the newer release from versions.json,
// flagged as a security release, caches the answer for an hour, skips it
// with --offline, and never fails or hangs on a bad network.
#include <chrono>

#include "download/download_fixture.hpp"

namespace civiup {
namespace {

const std::map<std::string, std::string> kOnline = {{"CIVIUP_OFFLINE", ""}};

nlohmann::json json_of(const test::ProcessResult& result) {
  nlohmann::json json = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_TRUE(json.is_object()) << result.out << result.err;
  return json;
}

TEST_F(DownloadTest, StatusReportsASecurityReleaseAndCachesTheAnswer) {
  publish();
  fs::create_directories(state_);
  fs::permissions(state_, fs::perms::owner_all, fs::perm_options::replace);
  test::ProcessResult first = civiup("status", {}, kOnline);
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_EQ(json_of(first)["available"],
            (nlohmann::json{{"version", "5.75.0"}, {"security", true}, {"date", "2024-07-03"}}));
  // The CA through CURL_CA_BUNDLE this time, as the curl tool takes it.
  test::ProcessResult text = test::run_civiup(
      {"status", "--root", root_.string(), "--state-dir", state_.string(), "--feed", server_->base_url()},
      test::ProcessOptions{{}, {{"CIVIUP_OFFLINE", ""}, {"CURL_CA_BUNDLE", pki_.ca_cert.string()}}, ""});
  EXPECT_NE(text.out.find("available:  5.75.0 available (security)"), std::string::npos) << text.out;
  EXPECT_EQ(server_->count_requests("/versions.json"), 1u) << "the second status used the cache";
  fs::remove(state_ / "release-feed.json");
  test::ProcessResult bundle = test::run_civiup(
      {"--json", "status", "--root", root_.string(), "--state-dir", state_.string(), "--feed", server_->base_url()},
      test::ProcessOptions{{}, {{"CIVIUP_OFFLINE", ""}, {"CURL_CA_BUNDLE", pki_.ca_cert.string()}}, ""});
  EXPECT_EQ(json_of(bundle)["available_status"], "5.75.0 available (security)") << bundle.out;
  EXPECT_TRUE(fs::exists(state_ / "release-feed.json"));

  test::ProcessResult offline = civiup("status", {"--offline"}, kOnline);
  EXPECT_EQ(offline.exit_code, 0);
  EXPECT_TRUE(json_of(offline)["available"].is_null());
  EXPECT_EQ(json_of(offline)["available_status"], "not checked (--offline)");
  EXPECT_EQ(server_->count_requests("/versions.json"), 2u) << "one fetch per empty cache, none offline";
}

TEST_F(DownloadTest, StatusWithoutANetworkStillSucceedsQuickly) {
  publish();
  // Nothing listens on port 1; a stalled feed is given up after 5 s.
  test::ProcessResult closed = test::run_civiup(
      {"--json", "status", "--root", root_.string(), "--state-dir", state_.string(), "--feed", "https://127.0.0.1:1"},
      test::ProcessOptions{{}, kOnline, ""});
  EXPECT_EQ(closed.exit_code, 0) << closed.err;
  EXPECT_TRUE(json_of(closed)["available"].is_null());
  server_->route("/versions.json", {{"mode", "stall"}});
  auto start = std::chrono::steady_clock::now();
  test::ProcessResult stalled = civiup("status", {}, kOnline);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(stalled.exit_code, 0) << stalled.err;
  EXPECT_TRUE(json_of(stalled)["available"].is_null());
  EXPECT_LT(seconds, 8.0);
}

}  // namespace
}  // namespace civiup
