#include "civiup/check/health_check_plan.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "civiup/system/health_check.hpp"
#include "civiup/system/printable_text.hpp"

namespace civiup {
namespace {

bool is_http_url(const std::string& url) { return url.starts_with("http://") || url.starts_with("https://"); }

}  // namespace

HealthCheckPlan site_base_url(const BackdropSettings& backdrop, const CiviCrmSettings& civicrm) {
  HealthCheckPlan plan;
  std::vector<std::string> why;
  auto consider = [&](const std::optional<std::string>& url, const std::string& problem, const std::string& source) {
    if (!plan.url.empty()) return;
    if (url && is_http_url(*url)) {
      plan.url = *url;
      plan.source = source;
    } else if (url) {
      why.push_back(fmt::format("{} is '{}', not an http(s) URL", source, printable(*url, 80)));
    } else if (!problem.empty()) {
      why.push_back(problem);
    }
  };
  consider(backdrop.base_url, backdrop.base_url_problem, "$base_url in settings.php");
  consider(civicrm.base_url, civicrm.base_url_problem, "CIVICRM_UF_BASEURL in civicrm.settings.php");
  if (plan.url.empty()) {
    plan.skipped = why.empty() ? "no base URL in the settings ($base_url in settings.php, CIVICRM_UF_BASEURL in "
                                 "civicrm.settings.php)"
                               : fmt::format("no usable base URL in the settings: {}", fmt::join(why, "; "));
  }
  return plan;
}

HealthCheckPlan plan_health_check(const std::string& url_option, bool turned_off, const BackdropSettings& backdrop,
                                  const CiviCrmSettings& civicrm) {
  if (turned_off) return {"", "", "turned off by --no-health-check"};
  if (!url_option.empty()) return {url_option, "--url", ""};
  HealthCheckPlan plan = site_base_url(backdrop, civicrm);
  if (plan.url.empty()) return plan;
  try {
    run_health_check(health_check_pages(plan.url), kProbeTimeout, kProbeConnectTimeout);
  } catch (const std::exception& e) {
    plan.skipped = fmt::format("{} ({}) did not pass before the upgrade, so it is not checked after it: {}", plan.url,
                               plan.source, e.what());
    plan.url.clear();
  }
  return plan;
}

}  // namespace civiup
