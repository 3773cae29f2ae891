// The "available" line of status and check.  versions.json is cached whole
// (with its fetch time) so the answer follows the installed version without
// a new fetch; a failed fetch is cached for five minutes so that repeated
// status calls on a machine without network do not each wait for it.
#include "civiup/release/release_available.hpp"

#include <chrono>
#include <cstdlib>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/release/release_download.hpp"

namespace civiup {
namespace fs = std::filesystem;
namespace {

constexpr int64_t kCacheSeconds = 3600;
constexpr int64_t kFailureCacheSeconds = 300;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool offline_from_environment() {
  const char* value = std::getenv("CIVIUP_OFFLINE");
  return value != nullptr && *value != '\0' && std::string_view(value) != "0";
}

// The versions.json text (or the error of the last attempt) for `url`,
// from the cache while fresh, else fetched and cached.
nlohmann::json versions_document(const std::string& url, const AvailabilityOptions& options, const fs::path& cache,
                                 bool& cached) {
  bool can_cache = fs::is_directory(cache.parent_path());
  if (can_cache && fs::exists(cache)) {
    nlohmann::json entry = nlohmann::json::parse(read_file(cache), nullptr, false);
    if (entry.is_object() && entry.value("url", "") == url) {
      int64_t age = now_seconds() - entry.value("time", int64_t{0});
      int64_t ttl = entry.contains("body") ? kCacheSeconds : kFailureCacheSeconds;
      if (age >= 0 && age < ttl) {
        cached = true;
        return entry;
      }
    }
  }
  DownloadSettings settings = DownloadSettings::from_environment(options.ca_file);
  settings.connect_timeout_seconds = 5;
  settings.total_timeout_seconds = 5;
  nlohmann::json entry = {{"url", url}, {"time", now_seconds()}};
  try {
    entry["body"] = *fetch_document(url, settings);
  } catch (const std::exception& e) {
    entry["error"] = e.what();
  }
  if (can_cache) {
    try {
      write_file_durably(cache, entry.dump(), 0600);
    } catch (const std::exception& e) {
      spdlog::debug("{}: not cached: {}", cache.string(), e.what());
    }
  }
  return entry;
}

}  // namespace

void add_availability_options(cxxopts::Options& options, bool with_feed) {
  options.add_options()("offline", "do not ask the release feed whether a newer release exists");
  if (with_feed) {
    options.add_options()("feed", "the release feed's base URL (a mirror or test server)",
                          cxxopts::value<std::string>(),
                          "URL")("ca-file", "CA certificates for HTTPS (default: the system store, or CURL_CA_BUNDLE)",
                                 cxxopts::value<std::string>(), "FILE");
  }
}

AvailabilityOptions availability_options_from(const cxxopts::ParseResult& parsed) {
  AvailabilityOptions options;
  if (parsed.count("feed") != 0) options.feed = parsed["feed"].as<std::string>();
  if (parsed.count("ca-file") != 0) options.ca_file = parsed["ca-file"].as<std::string>();
  options.offline = parsed.count("offline") != 0 || offline_from_environment();
  return options;
}

Availability find_available_release(const AvailabilityOptions& options, const fs::path& state_dir,
                                    const std::optional<std::string>& installed) {
  Availability availability;
  if (options.offline) return availability;
  std::optional<Version> version = installed ? Version::try_parse(*installed) : std::nullopt;
  if (!version) {
    availability.error = "the installed version is unknown";
    return availability;
  }
  try {
    std::string url = ReleaseFeed::at(options.feed).versions_url;
    nlohmann::json entry = versions_document(url, options, state_dir / "release-feed.json", availability.cached);
    if (!entry.contains("body")) {
      availability.error = entry.value("error", std::string("no answer"));
      return availability;
    }
    availability.newer = newer_release(parse_versions_json(entry["body"].get<std::string>(), url), *version);
    availability.checked = true;
  } catch (const std::exception& e) {
    availability.error = e.what();
  }
  return availability;
}

nlohmann::json availability_json(const Availability& availability) {
  if (!availability.newer) return nullptr;
  return {{"version", availability.newer->version.str()},
          {"security", availability.newer->security},
          {"date", availability.newer->date.empty() ? nlohmann::json() : nlohmann::json(availability.newer->date)}};
}

std::string availability_text(const Availability& availability) {
  if (availability.newer) {
    return fmt::format("{} available{}", availability.newer->version.str(),
                       availability.newer->security ? " (security)" : "");
  }
  if (availability.checked) return "up to date";
  if (availability.error.empty()) return "not checked (--offline)";
  return fmt::format("unknown ({})", availability.error);
}

}  // namespace civiup
