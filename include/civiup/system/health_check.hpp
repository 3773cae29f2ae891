#pragma once
// The optional HTTP health check of `--url` (run before the commit point):
// the front page and a CiviCRM page must answer without a PHP fatal error.
// libcurl does the HTTP(S); redirects are followed, TLS is verified.
#include <chrono>
#include <string>
#include <vector>

namespace civiup {

struct HealthCheckPage {
  std::string url;
  std::vector<long> accepted_statuses;  // e.g. {200}, or {200, 403} where anonymous access may be denied
};

// The pages checked for a site at `base_url`: the front page (200) and
// CiviCRM's public iCal feed `civicrm/event/ical?reset=1` (200, or 403 when
// anonymous users may not view events: a rendered denial still proves that
// CiviCRM boots).
std::vector<HealthCheckPage> health_check_pages(const std::string& base_url);

// Fetches each page; throws naming the URL and the cause: an unreachable
// server, an unexpected status, or "Fatal error" / "Parse error" /
// "The website encountered an unexpected error" in the body.
// `connect_timeout` bounds name resolution and the TCP/TLS connect, so an
// unreachable or unresolvable host costs at most that.
void run_health_check(const std::vector<HealthCheckPage>& pages,
                      std::chrono::seconds timeout = std::chrono::seconds(30),
                      std::chrono::seconds connect_timeout = std::chrono::seconds(30));

}  // namespace civiup
