#pragma once
// HTTPS downloads of releases and their feed documents, through libcurl:
// https only (redirects too), the system CA store or a given bundle, a
// connect timeout, a low-speed timeout and a size cap.  A download goes into
// a `.part` file that a failed transfer leaves behind to be resumed; the
// caller verifies the finished `.part` and renames it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace civiup {

struct DownloadSettings {
  std::string ca_file;  // --ca-file, else CURL_CA_BUNDLE; empty: the system store
  long connect_timeout_seconds = 15;
  long low_speed_limit_bytes = 1024;                 // slower than this (bytes/s) ...
  long low_speed_time_seconds = 30;                  // ... for this long aborts (CIVIUP_LOW_SPEED_TIME)
  long total_timeout_seconds = 0;                    // 0: none (a release may take minutes on a slow line)
  uint64_t max_file_bytes = uint64_t{256} << 20;     // a tarball (a real release is ~28 MB); CIVIUP_DOWNLOAD_MAX_BYTES
  uint64_t max_document_bytes = uint64_t{16} << 20;  // feed JSON, SHA256SUMS, signatures

  // The defaults with `ca_file_option` (or CURL_CA_BUNDLE) and the test
  // knobs CIVIUP_LOW_SPEED_TIME and CIVIUP_DOWNLOAD_MAX_BYTES applied.
  static DownloadSettings from_environment(const std::string& ca_file_option);
};

// Whether `url` is an https:// URL (the only scheme civiup fetches).
bool is_https_url(const std::string& url);

// Fetches a small document whole.  Throws "<url>: <cause>" for a transport
// error or an HTTP status >= 400 (with the feed's {"message": ...} when the
// body carries one).  nullopt instead of throwing for 404 and 410 when
// `missing_ok`: the caller tries another location.
std::optional<std::string> fetch_document(const std::string& url, const DownloadSettings& settings,
                                          bool missing_ok = false);

// Downloads `url` into `part` (created 0600), resuming from what `part`
// already holds.  Progress goes through PhaseProgress("download"): a line on
// a terminal; SIGINT/SIGTERM stop the transfer (the .part stays).  Throws "<url>: <cause>"; a transfer that broke off
// keeps `part` for the next attempt, anything else (an HTTP error before any byte, a body over the cap) removes it.
// Returns the size of the finished `part`.
uint64_t download_to_part(const std::string& url, const std::filesystem::path& part, const DownloadSettings& settings);

}  // namespace civiup
