#pragma once
// "Is an upgrade due?" for `status` and `check`: the newest stable release in
// versions.json newer than the installed one, flagged when it (or a release
// between) is a security release.  Cached for an hour in the state directory,
// fetched with a 5 s timeout, skipped with --offline (or CIVIUP_OFFLINE=1):
// a slow or absent network never fails the command.
#include <filesystem>
#include <optional>
#include <string>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "civiup/release/release_feed.hpp"

namespace civiup {

struct AvailabilityOptions {
  std::string feed;      // --feed BASE; empty: latest.civicrm.org
  std::string ca_file;   // --ca-file
  bool offline = false;  // --offline or CIVIUP_OFFLINE=1
};

// --offline (and --feed, --ca-file when `with_feed`) for a command's parser.
void add_availability_options(cxxopts::Options& options, bool with_feed);
AvailabilityOptions availability_options_from(const cxxopts::ParseResult& parsed);

struct Availability {
  bool checked = false;                // false: offline, or the version unknown
  std::optional<ListedRelease> newer;  // nullopt and checked: up to date
  bool cached = false;                 // the answer came from the cache
  std::string error;                   // why it is unknown (network, feed)
};

// Never throws.  Reads and writes <state>/release-feed.json only when the
// state directory exists (status and check never create it for this).
Availability find_available_release(const AvailabilityOptions& options, const std::filesystem::path& state_dir,
                                    const std::optional<std::string>& installed);

// null, or {"version", "security", "date"}.
nlohmann::json availability_json(const Availability& availability);
// "5.76.2 available (security)", "up to date", "not checked (--offline)", "unknown (...)".
std::string availability_text(const Availability& availability);

}  // namespace civiup
