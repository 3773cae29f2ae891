// The default health check: without --url, civiup takes the site's base URL
// from its settings, probes it before the upgrade, and checks it again before
// the commit point only when it answered (issue 14, point 5).  A real HTTP
// server on 127.0.0.1 plays the site.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "upgrade/http_server.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

class SiteUrlTest : public UpgradeTest {
 protected:
  // Points CIVICRM_UF_BASEURL (the generated site's only base URL) at `url`.
  void set_civicrm_base_url(const std::string& url) {
    fs::path file = site_.root / "civicrm.settings.php";
    std::string text = read_file_if_present(file);
    const std::string old = "'http://127.0.0.1:1/'";
    size_t at = text.find(old);
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at, old.size(), "'" + url + "/'");
    std::ofstream(file, std::ios::trunc) << text;
  }

  void serve_working_site(test::HttpServer& server) {
    server.respond("/", 200, "<html>Welcome</html>");
    server.respond("/civicrm/event/ical", 200, "BEGIN:VCALENDAR");
  }

  std::string run_log(const nlohmann::json& out) { return read_file_if_present(out["log"].get<std::string>()); }
};

TEST_F(SiteUrlTest, BaseUrlFromTheSettingsIsCheckedBeforeTheCommit) {
  test::HttpServer server;
  serve_working_site(server);
  set_civicrm_base_url(server.base_url());
  ProcessResult result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_TRUE(out["health_check"]["checked"].get<bool>()) << out["health_check"];
  EXPECT_EQ(out["health_check"]["url"], server.base_url() + "/");
  EXPECT_EQ(out["health_check"]["source"], "CIVICRM_UF_BASEURL in civicrm.settings.php");
  EXPECT_EQ(server.requests(), 4);  // two pages before the upgrade, two before the commit
  EXPECT_NE(run_log(out).find("health check before the commit point: " + server.base_url()), std::string::npos);
}

// (A fatal error in a 200 page is caught alike: UpgradeTest.HealthCheckThatFindsAFatalErrorRollsBack.)
TEST_F(SiteUrlTest, APageThatFailsAfterTheSwapRollsBack) {
  test::HttpServer server;
  serve_working_site(server);
  // The probe's two requests see the working site; then the front page dies.
  server.respond_after(2, "/", 500, "<b>Fatal error</b>: Uncaught Error: Class 'CRM_Core_Config' not found");
  set_civicrm_base_url(server.base_url());
  SiteState before = state();
  ProcessResult result = upgrade();
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  nlohmann::json out = json_of(result);
  std::string error = out["error"].get<std::string>();
  EXPECT_NE(error.find("phase verify: health check " + server.base_url() + "/: HTTP status 500"), std::string::npos)
      << error;
  EXPECT_EQ(out["outcome"], "rolled-back");
  expect_same(before, state());
}

// The generated site's URL is a closed port: refused at once, the check is
// skipped and said, and the upgrade goes on.
TEST_F(SiteUrlTest, AnUnreachableUrlIsSkippedAndSaid) {
  auto start = std::chrono::steady_clock::now();
  ProcessResult result = upgrade();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_FALSE(out["health_check"]["checked"].get<bool>());
  EXPECT_TRUE(out["health_check"]["url"].is_null());
  std::string skipped = out["health_check"]["skipped"].get<std::string>();
  EXPECT_NE(skipped.find("http://127.0.0.1:1/ (CIVICRM_UF_BASEURL in civicrm.settings.php) did not pass before the "
                         "upgrade"),
            std::string::npos)
      << skipped;
  EXPECT_NE(run_log(out).find("no health check: http://127.0.0.1:1/"), std::string::npos);
  std::cout << "[ measure  ] upgrade with a refused base URL: " << seconds << " s\n";
}

TEST_F(SiteUrlTest, NoHealthCheckTurnsItOff) {
  test::HttpServer server;
  server.respond("/", 500, "<b>Fatal error</b>");
  set_civicrm_base_url(server.base_url());
  ProcessResult result = upgrade({}, {"--no-health-check"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(server.requests(), 0);
  nlohmann::json out = json_of(result);
  EXPECT_FALSE(out["health_check"]["checked"].get<bool>());
  EXPECT_EQ(out["health_check"]["skipped"], "turned off by --no-health-check");

  ProcessResult both = upgrade({}, {"--no-health-check", "--url", server.base_url()});
  EXPECT_EQ(both.exit_code, 2) << both.out << both.err;
}

// Backdrop's own $base_url wins over CIVICRM_UF_BASEURL.
TEST_F(SiteUrlTest, BaseUrlInSettingsPhpWins) {
  test::HttpServer server;
  serve_working_site(server);
  std::ofstream(site_.root / "settings.php", std::ios::app) << "$base_url = '" << server.base_url() << "';\n";
  ProcessResult result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_EQ(out["health_check"]["source"], "$base_url in settings.php");
  EXPECT_EQ(out["health_check"]["url"], server.base_url());
  EXPECT_EQ(server.requests(), 4);
}

// A site that already fails before the upgrade is not judged after it.
TEST_F(SiteUrlTest, ASiteFailingBeforeTheUpgradeIsNotChecked) {
  test::HttpServer server;
  server.respond("/", 503, "<html>Down for maintenance</html>");
  set_civicrm_base_url(server.base_url());
  ProcessResult result = upgrade();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  nlohmann::json out = json_of(result);
  EXPECT_FALSE(out["health_check"]["checked"].get<bool>());
  EXPECT_NE(out["health_check"]["skipped"].get<std::string>().find("HTTP status 503"), std::string::npos);
  EXPECT_EQ(server.requests(), 1);
}

}  // namespace
}  // namespace civiup
