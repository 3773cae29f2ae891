#pragma once
// Whether an upgrade checks the site over HTTP before its commit point, and
// which URL: `--url`, else the site's own base URL from its settings when that
// URL passes the same check before the upgrade.  A site that does not answer
// (or already fails) before the upgrade is not checked after it: the check
// must catch what the upgrade broke, not what was broken already.
#include <chrono>
#include <string>

#include "civiup/site/site.hpp"

namespace civiup {

struct HealthCheckPlan {
  std::string url;      // checked in the verify phase; empty: no check
  std::string source;   // "--url", "$base_url in settings.php", "CIVICRM_UF_BASEURL in civicrm.settings.php"
  std::string skipped;  // why there is no check (empty when there is one)
};

// The probe before the upgrade: a host that does not resolve or connect
// costs at most this; a server that answers gets kProbeTimeout per page.
constexpr std::chrono::seconds kProbeConnectTimeout{2};
constexpr std::chrono::seconds kProbeTimeout{10};

// The site's base URL from its settings ($base_url wins, as Backdrop's own;
// then CIVICRM_UF_BASEURL) with where it came from; an empty url and the
// reason when neither is a usable http(s) URL.
HealthCheckPlan site_base_url(const BackdropSettings& backdrop, const CiviCrmSettings& civicrm);

// `url_option` (--url) is used as given; `turned_off` (--no-health-check)
// wins over everything; otherwise the site's base URL, probed now.
HealthCheckPlan plan_health_check(const std::string& url_option, bool turned_off, const BackdropSettings& backdrop,
                                  const CiviCrmSettings& civicrm);

}  // namespace civiup
