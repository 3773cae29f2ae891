// Reading CiviCRM's release feed: the check answer and versions.json, both
// validated before any URL in them is used.
#include "civiup/release/release_feed.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "civiup/base/error.hpp"
#include "civiup/release/release_download.hpp"

namespace civiup {

ReleaseFeed ReleaseFeed::at(const std::string& base) {
  if (base.empty()) {
    return {"https://upgrade.civicrm.org/check?stability=stable", "https://latest.civicrm.org/versions.json",
            "https://download.civicrm.org"};
  }
  if (!is_https_url(base)) fail("--feed {}: not an https:// URL", base);
  std::string trimmed = base;
  while (trimmed.ends_with('/')) trimmed.pop_back();
  return {trimmed + "/check?stability=stable", trimmed + "/versions.json", trimmed};
}

std::string url_file_name(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  return path.substr(path.rfind('/') + 1);
}

std::string url_directory(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  return path.substr(0, path.rfind('/'));
}

std::string published_backdrop_name(const std::string& file_name) {
  constexpr std::string_view kUnstable = "-backdrop-unstable.tar.gz";
  if (!file_name.ends_with(kUnstable)) return file_name;
  return file_name.substr(0, file_name.size() - kUnstable.size()) + "-backdrop.tar.gz";
}

FeedRelease parse_check_feed(const std::string& body, const std::string& url) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) fail("{}: malformed feed JSON (not a JSON object)", url);
  if (!json.contains("rev") || json["rev"].is_null()) {
    fail("{}: the feed names no release: {}", url, json.value("message", std::string("no \"rev\"")));
  }
  const nlohmann::json& version_field = json.contains("version") ? json["version"] : json["rev"];
  if (!version_field.is_string()) fail("{}: malformed feed JSON (\"version\" is not a string)", url);
  std::optional<Version> version = Version::try_parse(version_field.get<std::string>());
  if (!version || version->is_prerelease() || version->is_upgrade_marker()) {
    fail("{}: \"{}\" is not a stable CiviCRM version", url, version_field.get<std::string>());
  }
  if (!json.contains("tar") || !json["tar"].is_object() || !json["tar"].contains("Backdrop") ||
      !json["tar"]["Backdrop"].is_string()) {
    fail("{}: malformed feed JSON (no \"tar\".\"Backdrop\" URL)", url);
  }
  FeedRelease release{*version, json["tar"]["Backdrop"].get<std::string>(), ""};
  if (!is_https_url(release.backdrop_url))
    fail("{}: tar.Backdrop {} is not an https:// URL", url, release.backdrop_url);
  std::string expected = fmt::format("civicrm-{}-backdrop.tar.gz", version->str());
  if (published_backdrop_name(url_file_name(release.backdrop_url)) != expected) {
    fail("{}: tar.Backdrop {} is not the Backdrop tarball of {} (expected {})", url, release.backdrop_url,
         version->str(), expected);
  }
  if (json["tar"].contains("L10n") && json["tar"]["L10n"].is_string()) {
    release.l10n_url = json["tar"]["L10n"].get<std::string>();
    if (!is_https_url(release.l10n_url)) fail("{}: tar.L10n {} is not an https:// URL", url, release.l10n_url);
    if (url_file_name(release.l10n_url) != fmt::format("civicrm-{}-l10n.tar.gz", version->str())) {
      fail("{}: tar.L10n {} is not the l10n tarball of {}", url, release.l10n_url, version->str());
    }
  }
  return release;
}

std::vector<ListedRelease> parse_versions_json(const std::string& body, const std::string& url) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) fail("{}: malformed versions.json (not a JSON object)", url);
  std::vector<ListedRelease> releases;
  for (const auto& [branch, spec] : json.items()) {
    if (!spec.is_object() || !spec.contains("releases") || !spec["releases"].is_array()) {
      fail("{}: malformed versions.json (branch {} has no \"releases\" list)", url, branch);
    }
    std::string status = spec.contains("status") && spec["status"].is_string() ? spec["status"].get<std::string>() : "";
    for (const nlohmann::json& entry : spec["releases"]) {
      if (!entry.is_object() || !entry.contains("version") || !entry["version"].is_string()) {
        fail("{}: malformed versions.json (a release of branch {} has no \"version\")", url, branch);
      }
      std::optional<Version> version = Version::try_parse(entry["version"].get<std::string>());
      if (!version) continue;  // an odd old entry ("4.2.alpha") need not stop the rest
      ListedRelease release{*version, "", false, "", status};
      if (entry.contains("date") && entry["date"].is_string()) release.date = entry["date"].get<std::string>();
      if (entry.contains("message") && entry["message"].is_string())
        release.message = entry["message"].get<std::string>();
      // The feed writes "security": "true"; accept a JSON boolean too.
      if (entry.contains("security")) {
        const nlohmann::json& s = entry["security"];
        release.security = (s.is_boolean() && s.get<bool>()) || (s.is_string() && s.get<std::string>() == "true");
      }
      releases.push_back(std::move(release));
    }
  }
  return releases;
}

std::optional<ListedRelease> find_release(const std::vector<ListedRelease>& releases, const Version& version) {
  auto it =
      std::find_if(releases.begin(), releases.end(), [&](const ListedRelease& r) { return r.version == version; });
  if (it == releases.end()) return std::nullopt;
  return *it;
}

std::optional<ListedRelease> newer_release(const std::vector<ListedRelease>& releases, const Version& installed) {
  std::optional<ListedRelease> newest;
  bool security = false;
  for (const ListedRelease& release : releases) {
    if (release.version.is_prerelease() || release.branch_status == "testing" || release.version <= installed) continue;
    security = security || release.security;
    if (!newest || newest->version < release.version) newest = release;
  }
  if (newest) newest->security = security;
  return newest;
}

}  // namespace civiup
