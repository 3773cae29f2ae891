#pragma once
// CiviCRM's release feed (DESIGN.md §3 "Release feed"):
//   - https://upgrade.civicrm.org/check?stability=stable: the newest stable
//     release, {"version", "rev", "tar": {"Backdrop": URL, "L10n": URL, ...}};
//     an error is {"rev": null, "message": ...} with HTTP 404 or 500;
//   - https://latest.civicrm.org/versions.json: per branch ("5.75") a
//     "status" and "releases": [{"version", "date", "security", "message"}];
//   - the files themselves on https://download.civicrm.org, with
//     civicrm-X.Y.Z.SHA256SUMS and its detached signature (.asc).
// `--feed BASE` replaces all three hosts by one mirror or test server:
// BASE/check?stability=stable, BASE/versions.json, BASE/<file>.
#include <optional>
#include <string>
#include <vector>

#include "civiup/site/version_number.hpp"

namespace civiup {

struct ReleaseFeed {
  std::string check_url;      // the newest stable release
  std::string versions_url;   // every release, for --version and "available"
  std::string download_base;  // where civicrm-X.Y.Z-* files are published

  // The CiviCRM feed, or `base` (--feed) for all three.
  static ReleaseFeed at(const std::string& base);
};

// What the check feed names: the release and its tarballs' URLs.
struct FeedRelease {
  Version version;
  std::string backdrop_url;
  std::string l10n_url;  // empty when the feed names none
};

// Parses the check feed's answer.  Throws "<url>: <cause>": malformed JSON, a
// {"rev": null} error, a version that is not a stable CiviCRM version, a
// Backdrop URL missing, not https, or not a Backdrop tarball of that version.
FeedRelease parse_check_feed(const std::string& body, const std::string& url);

struct ListedRelease {
  Version version;
  std::string date;
  bool security = false;
  std::string message;
  std::string branch_status;  // the branch's "status": stable, lts, eol, ...
};

// Every release of versions.json.  Throws "<url>: <cause>" when it is not the
// expected JSON.
std::vector<ListedRelease> parse_versions_json(const std::string& body, const std::string& url);

// The release of `version` in the list, if there.
std::optional<ListedRelease> find_release(const std::vector<ListedRelease>& releases, const Version& version);

// The newest stable release newer than `installed` (pre-releases and branches
// marked "testing" left out), with `security` set when it or any release
// between `installed` and it is a security release: upgrading to it brings
// those fixes.  nullopt: `installed` is the newest.
std::optional<ListedRelease> newer_release(const std::vector<ListedRelease>& releases, const Version& installed);

// The published file name of a Backdrop tarball: the per-release name may end
// in -backdrop-unstable.tar.gz (4.7.20 to the 6.4 series); the file on
// download.civicrm.org and in SHA256SUMS is civicrm-X.Y.Z-backdrop.tar.gz.
std::string published_backdrop_name(const std::string& file_name);

// The last path component of a URL (query and fragment removed).
std::string url_file_name(const std::string& url);
// The URL without its last path component ("https://host/dir" for "https://host/dir/file").
std::string url_directory(const std::string& url);

}  // namespace civiup
