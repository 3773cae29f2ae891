#pragma once
// A tiny HTTP/1.1 server on 127.0.0.1 for the --url health check tests: it
// answers every request with the status and body set for its path (query
// string ignored), 404 otherwise.  Real sockets, a real client (libcurl).
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "civiup/base/unique_fd.hpp"

namespace civiup::test {

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void respond(const std::string& path, int status, const std::string& body);
  // From request number `after` + 1 on, `path` answers with this instead (a
  // site that worked before the upgrade and breaks after the swap).
  void respond_after(int after, const std::string& path, int status, const std::string& body);
  std::string base_url() const;  // "http://127.0.0.1:PORT"
  int requests() const { return requests_; }

 private:
  void serve();
  UniqueFd listener_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  std::map<std::string, std::pair<int, std::string>> pages_;
  std::map<std::string, std::pair<int, std::string>> later_pages_;
  int switch_after_ = 0;
  std::thread thread_;
};

}  // namespace civiup::test
