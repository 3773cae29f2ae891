#include "upgrade/http_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include <fmt/format.h>

namespace civiup::test {

HttpServer::HttpServer() {
  listener_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  const int listener = listener_.get();
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener, 16) != 0 || ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("HttpServer: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HttpServer::~HttpServer() {
  stop_ = true;
  thread_.join();
}

void HttpServer::respond(const std::string& path, int status, const std::string& body) {
  std::lock_guard lock(mutex_);
  pages_[path] = {status, body};
}

void HttpServer::respond_after(int after, const std::string& path, int status, const std::string& body) {
  std::lock_guard lock(mutex_);
  switch_after_ = after;
  later_pages_[path] = {status, body};
}

std::string HttpServer::base_url() const { return fmt::format("http://127.0.0.1:{}", port_); }

void HttpServer::serve() {
  while (!stop_) {
    pollfd waiting{listener_.get(), POLLIN, 0};
    if (::poll(&waiting, 1, 100) <= 0) continue;
    UniqueFd client(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!client) continue;
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t got = ::read(client.get(), buffer, sizeof buffer);
      if (got <= 0) break;
      request.append(buffer, static_cast<size_t>(got));
    }
    int number = ++requests_;
    std::string path = request.substr(request.find(' ') + 1);
    path = path.substr(0, path.find_first_of(" ?"));
    int status = 404;
    std::string body = "not found";
    {
      std::lock_guard lock(mutex_);
      if (auto it = pages_.find(path); it != pages_.end()) std::tie(status, body) = it->second;
      if (auto it = later_pages_.find(path); it != later_pages_.end() && number > switch_after_) {
        std::tie(status, body) = it->second;
      }
    }
    std::string response = fmt::format(
        "HTTP/1.1 {} X\r\nContent-Type: text/html\r\nContent-Length: {}\r\n"
        "Connection: close\r\n\r\n{}",
        status, body.size(), body);
    ssize_t ignored = ::write(client.get(), response.data(), response.size());
    (void)ignored;
  }
}

}  // namespace civiup::test
