// libcurl, configured once for every download civiup makes: https only (also
// after a redirect), TLS verified, a connect and a low-speed timeout, a size
// cap enforced both from Content-Length and while the body arrives.
#include "civiup/release/release_download.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "civiup/base/error.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/system/terminal_progress.hpp"

namespace civiup {
namespace fs = std::filesystem;
namespace {

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

long env_number(const char* name, long fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value <= 0) fail("{}={}: not a positive number", name, text);
  return value;
}

// Where the body goes: a string (documents) or a file descriptor (tarballs),
// never past `limit` bytes in all.
struct Sink {
  std::string* text = nullptr;
  int fd = -1;
  uint64_t written = 0;  // including what the file held before
  uint64_t limit = 0;
  bool over_limit = false;
  bool write_failed = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t bytes = size * count;
  if (sink->written + bytes > sink->limit) {
    sink->over_limit = true;
    return 0;  // aborts the transfer with CURLE_WRITE_ERROR
  }
  if (sink->text != nullptr) {
    sink->text->append(data, bytes);
  } else {
    for (size_t done = 0; done < bytes;) {
      ssize_t n = ::write(sink->fd, data + done, bytes - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        sink->write_failed = true;
        return 0;
      }
      done += static_cast<size_t>(n);
    }
  }
  sink->written += bytes;
  return bytes;
}

struct ProgressState {
  PhaseProgress* progress = nullptr;
  curl_off_t reported = 0;
  std::exception_ptr error;  // an interrupt (SIGINT/SIGTERM) must not unwind through libcurl
};

int report_progress(void* user, curl_off_t, curl_off_t downloaded, curl_off_t, curl_off_t) {
  auto* state = static_cast<ProgressState*>(user);
  try {
    if (downloaded > state->reported) {
      state->progress->advance(0, static_cast<uint64_t>(downloaded - state->reported));
      state->reported = downloaded;
    }
  } catch (...) {
    state->error = std::current_exception();
    return 1;  // aborts the transfer; rethrown after curl_easy_perform
  }
  return 0;
}

CurlHandle new_handle(const std::string& url, const DownloadSettings& settings, Sink& sink, char* error) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) fail("{}: libcurl initialisation failed", url);
  CurlHandle curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) fail("{}: libcurl initialisation failed", url);
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  // https only, redirects too: a release must never arrive over plain http.
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, settings.connect_timeout_seconds);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, settings.low_speed_limit_bytes);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, settings.low_speed_time_seconds);
  if (settings.total_timeout_seconds > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT, settings.total_timeout_seconds);
  curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(sink.limit - sink.written));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "civiup");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  return curl;
}

// The one-line cause of a failed transfer.
std::string transfer_error(CURLcode code, const Sink& sink, const char* error, uint64_t limit) {
  if (sink.over_limit || code == CURLE_FILESIZE_EXCEEDED) {
    return fmt::format("larger than the cap of {} bytes", limit);
  }
  if (sink.write_failed) return fmt::format("cannot write the download: {}", std::strerror(errno));
  if (code == CURLE_UNSUPPORTED_PROTOCOL) {
    return fmt::format("refused: not https (a redirect to another scheme?): {}",
                       error[0] ? error : curl_easy_strerror(code));
  }
  return error[0] != '\0' ? std::string(error) : std::string(curl_easy_strerror(code));
}

// "HTTP 404", with the feed's error message when the body is {"message": ...}.
std::string http_error(long status, const std::string& body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_object() && json.contains("message") && json["message"].is_string()) {
    return fmt::format("HTTP {}: {}", status, json["message"].get<std::string>());
  }
  return fmt::format("HTTP {}", status);
}

}  // namespace

DownloadSettings DownloadSettings::from_environment(const std::string& ca_file_option) {
  DownloadSettings settings;
  settings.ca_file = ca_file_option;
  if (settings.ca_file.empty()) {
    if (const char* bundle = std::getenv("CURL_CA_BUNDLE"); bundle != nullptr) settings.ca_file = bundle;
  }
  settings.low_speed_time_seconds = env_number("CIVIUP_LOW_SPEED_TIME", settings.low_speed_time_seconds);
  settings.max_file_bytes =
      static_cast<uint64_t>(env_number("CIVIUP_DOWNLOAD_MAX_BYTES", static_cast<long>(settings.max_file_bytes)));
  return settings;
}

bool is_https_url(const std::string& url) { return url.starts_with("https://") && url.size() > 8; }

std::optional<std::string> fetch_document(const std::string& url, const DownloadSettings& settings, bool missing_ok) {
  if (!is_https_url(url)) fail("{}: not an https:// URL", url);
  std::string body;
  Sink sink;
  sink.text = &body;
  sink.limit = settings.max_document_bytes;
  char error[CURL_ERROR_SIZE] = {};
  CurlHandle curl = new_handle(url, settings, sink, error);
  CURLcode code = curl_easy_perform(curl.get());
  if (code != CURLE_OK) fail("{}: {}", url, transfer_error(code, sink, error, sink.limit));
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  if (missing_ok && (status == 404 || status == 410)) return std::nullopt;
  if (status >= 400) fail("{}: {}", url, http_error(status, body));
  spdlog::debug("fetched {} ({} bytes)", url, body.size());
  return body;
}

uint64_t download_to_part(const std::string& url, const fs::path& part, const DownloadSettings& settings) {
  if (!is_https_url(url)) fail("{}: not an https:// URL", url);
  for (int attempt = 0;; ++attempt) {
    UniqueFd fd(::open(part.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!fd) fail("{}: cannot open: {}", part.string(), std::strerror(errno));
    Sink sink;
    sink.fd = fd.get();
    sink.written = static_cast<uint64_t>(::lseek(fd.get(), 0, SEEK_END));
    sink.limit = settings.max_file_bytes;
    uint64_t resumed_from = sink.written;
    char error[CURL_ERROR_SIZE] = {};
    CurlHandle curl = new_handle(url, settings, sink, error);
    // Resume what an earlier attempt left; an error status must not append its body.
    curl_easy_setopt(curl.get(), CURLOPT_RESUME_FROM_LARGE, static_cast<curl_off_t>(resumed_from));
    curl_easy_setopt(curl.get(), CURLOPT_FAILONERROR, 1L);
    PhaseProgress progress("download");
    ProgressState progress_state{&progress, 0, nullptr};
    // Always reported: the line on a terminal, and SIGINT/SIGTERM (or the
    // crash tests' fault point "download:inside") stop a long download.
    progress.begin(fmt::format("downloading {}", part.filename().replace_extension().string()), 0, "");
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFOFUNCTION, report_progress);
    curl_easy_setopt(curl.get(), CURLOPT_XFERINFODATA, &progress_state);
    curl_easy_setopt(curl.get(), CURLOPT_NOPROGRESS, 0L);
    CURLcode code = curl_easy_perform(curl.get());
    progress.end();
    if (progress_state.error) std::rethrow_exception(progress_state.error);  // the .part stays to resume
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (code == CURLE_OK) {
      if (::fsync(fd.get()) != 0) fail("{}: fsync: {}", part.string(), std::strerror(errno));
      if (int close_error = fd.close(); close_error != 0)
        fail("{}: close: {}", part.string(), std::strerror(close_error));
      spdlog::debug("downloaded {} ({} bytes, resumed from {})", url, sink.written, resumed_from);
      return sink.written;
    }
    // The server cannot resume (no ranges, or the part is already whole or
    // longer): start over once from the first byte.
    if (resumed_from > 0 && attempt == 0 && (code == CURLE_RANGE_ERROR || status == 416)) {
      spdlog::debug("{}: cannot resume at byte {}, starting over", url, resumed_from);
      if (::ftruncate(fd.get(), 0) != 0) fail("{}: truncate: {}", part.string(), std::strerror(errno));
      continue;
    }
    std::string cause = code == CURLE_HTTP_RETURNED_ERROR ? fmt::format("HTTP {}", status)
                                                          : transfer_error(code, sink, error, sink.limit);
    // Keep a part worth resuming; an over-cap body or an empty part is removed.
    if (sink.over_limit || code == CURLE_FILESIZE_EXCEEDED || sink.written == 0) {
      std::error_code ignored;
      fs::remove(part, ignored);
      fail("{}: {}", url, cause);
    }
    fail("{}: {} (the next run resumes {})", url, cause, part.filename().string());
  }
}

}  // namespace civiup
