#include "download/release_server.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace civiup::test {

namespace {

void run_or_throw(const std::vector<std::string>& argv, const ProcessOptions& options = {}) {
  ProcessResult result = run_process(argv, options);
  if (result.exit_code != 0) {
    throw std::runtime_error(
        fmt::format("{} failed ({}): {}{}", argv.front(), result.exit_code, result.out, result.err));
  }
}

}  // namespace

Pki make_pki(const fs::path& dir) {
  fs::create_directories(dir);
  Pki pki{dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  auto path = [&](const char* name) { return (dir / name).string(); };
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"};
  std::vector<std::string> ca = {
      "openssl", "req", "-x509", "-keyout",           path("ca.key"), "-out", pki.ca_cert.string(),
      "-days",   "2",   "-subj", "/CN=civiup test CA"};
  ca.insert(ca.begin() + 3, ec.begin(), ec.end());
  run_or_throw(ca);
  std::vector<std::string> csr = {"openssl",          "req",   "-keyout",      pki.server_key.string(), "-out",
                                  path("server.csr"), "-subj", "/CN=127.0.0.1"};
  csr.insert(csr.begin() + 2, ec.begin(), ec.end());
  csr.insert(csr.begin() + 2, "-new");
  run_or_throw(csr);
  write_text(dir / "ext.cnf", "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n");
  run_or_throw({"openssl", "x509", "-req", "-in", path("server.csr"), "-CA", pki.ca_cert.string(), "-CAkey",
                path("ca.key"), "-CAcreateserial", "-out", pki.server_cert.string(), "-days", "2", "-extfile",
                path("ext.cnf")});
  return pki;
}

SigningKey::SigningKey(const fs::path& home, const std::string& name) : home_(home) {
  fs::create_directories(home_);
  fs::permissions(home_, fs::perms::owner_all, fs::perm_options::replace);
  run_or_throw({"gpg", "--homedir", home_.string(), "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
                "--quick-generate-key", fmt::format("{} <{}@example.org>", name, name), "ed25519", "sign", "never"});
  ProcessResult listing = run_process({"gpg", "--homedir", home_.string(), "--batch", "--with-colons", "--list-keys"});
  std::istringstream lines(listing.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("fpr:") && fingerprint_.empty()) {
      fingerprint_ = line.substr(0, line.size() - 1);
      fingerprint_ = fingerprint_.substr(fingerprint_.rfind(':') + 1);
    }
  }
  if (fingerprint_.empty()) throw std::runtime_error("gpg made no key: " + listing.out + listing.err);
}

SigningKey::~SigningKey() { run_process({"gpgconf", "--homedir", home_.string(), "--kill", "gpg-agent"}); }

void SigningKey::export_keyring(const fs::path& keyring) const {
  ProcessResult exported = run_process({"gpg", "--homedir", home_.string(), "--batch", "--export", fingerprint_});
  if (exported.exit_code != 0 || exported.out.empty()) throw std::runtime_error("gpg --export: " + exported.err);
  std::ofstream(keyring, std::ios::binary) << exported.out;
}

void SigningKey::sign(const fs::path& file) const {
  run_or_throw({"gpg", "--homedir", home_.string(), "--batch", "--yes", "--pinentry-mode", "loopback", "--passphrase",
                "", "--local-user", fingerprint_, "--armor", "--detach-sign", "--output", file.string() + ".asc",
                file.string()});
}

ReleaseServer::ReleaseServer(const fs::path& root, const Pki& pki) : root_(root), log_(root.string() + ".requests") {
  fs::create_directories(root_);
  fs::path port_file = root_.string() + ".port";
  fs::remove(port_file);
  write_text(log_, "");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::execlp("python3", "python3", RELEASE_SERVER_SCRIPT, "--root", root_.c_str(), "--cert", pki.server_cert.c_str(),
             "--key", pki.server_key.c_str(), "--port-file", port_file.c_str(), "--log", log_.c_str(), nullptr);
    ::_exit(127);
  }
  for (int i = 0; i < 200 && !fs::exists(port_file); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  if (!fs::exists(port_file)) throw std::runtime_error("release_server.py did not start");
  port_ = std::stoi(read_file(port_file));
}

ReleaseServer::~ReleaseServer() {
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
}

std::string ReleaseServer::base_url() const { return fmt::format("https://127.0.0.1:{}", port_); }

void ReleaseServer::route(const std::string& path, const nlohmann::json& route) {
  if (route.empty()) {
    routes_.erase(path);
  } else {
    routes_[path] = route;
  }
  write_text(root_ / "routes.json", routes_.dump());
}

std::vector<std::string> ReleaseServer::requests() const {
  std::vector<std::string> lines;
  std::istringstream text(read_file(log_));
  for (std::string line; std::getline(text, line);) lines.push_back(line);
  return lines;
}

size_t ReleaseServer::count_requests(const std::string& path) const {
  size_t count = 0;
  for (const std::string& line : requests()) count += line.starts_with("GET " + path + " ") ? 1U : 0U;
  return count;
}

}  // namespace civiup::test
