#include "civiup/system/health_check.hpp"

#include <curl/curl.h>

#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"

namespace civiup {
namespace {

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;

size_t append_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() < (4u << 20)) body->append(data, size * count);  // the first 4 MiB are enough to judge
  return size * count;
}

// What PHP and Backdrop print when a page dies.
constexpr const char* kFatalMarkers[] = {"Fatal error", "Parse error", "The website encountered an unexpected error",
                                         "Uncaught Exception", "Uncaught Error"};

}  // namespace

std::vector<HealthCheckPage> health_check_pages(const std::string& base_url) {
  std::string base = base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return {{base + "/", {200}}, {base + "/civicrm/event/ical?reset=1", {200, 403}}};
}

void run_health_check(const std::vector<HealthCheckPage>& pages, std::chrono::seconds timeout,
                      std::chrono::seconds connect_timeout) {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) fail("health check: libcurl initialisation failed");
  for (const HealthCheckPage& page : pages) {
    CurlHandle curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) fail("health check {}: libcurl initialisation failed", page.url);
    std::string body;
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(curl.get(), CURLOPT_URL, page.url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT, static_cast<long>(connect_timeout.count()));
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_USERAGENT, "civiup-health-check");
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
    CURLcode code = curl_easy_perform(curl.get());
    if (code != CURLE_OK) {
      fail("health check {}: {}", page.url, error[0] != '\0' ? error : curl_easy_strerror(code));
    }
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    bool accepted = false;
    for (long ok : page.accepted_statuses) accepted = accepted || ok == status;
    if (!accepted) fail("health check {}: HTTP status {}", page.url, status);
    for (const char* marker : kFatalMarkers) {
      if (body.find(marker) != std::string::npos) fail("health check {}: the page says \"{}\"", page.url, marker);
    }
    spdlog::info("health check {}: HTTP {}", page.url, status);
  }
}

}  // namespace civiup
