#pragma once
// The test side of downloads: a CA and a server certificate made with the
// openssl tool, OpenPGP keys made with gpg in their own GNUPGHOME, and
// release_server.py serving a directory over HTTPS with chosen failures.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace civiup::test {

namespace fs = std::filesystem;

struct Pki {
  fs::path ca_cert;  // what civiup is given with --ca-file
  fs::path server_cert;
  fs::path server_key;
};

// A self-signed CA and a certificate for 127.0.0.1 signed by it, in `dir`.
Pki make_pki(const fs::path& dir);

// An ed25519 signing key without passphrase in its own GNUPGHOME.
class SigningKey {
 public:
  explicit SigningKey(const fs::path& home, const std::string& name);
  ~SigningKey();
  SigningKey(const SigningKey&) = delete;
  SigningKey& operator=(const SigningKey&) = delete;

  void export_keyring(const fs::path& keyring) const;  // the public key, binary, as gpgv reads it
  void sign(const fs::path& file) const;               // writes file.asc (detached, armored)
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  fs::path home_;
  std::string fingerprint_;
};

class ReleaseServer {
 public:
  ReleaseServer(const fs::path& root, const Pki& pki);
  ~ReleaseServer();
  ReleaseServer(const ReleaseServer&) = delete;
  ReleaseServer& operator=(const ReleaseServer&) = delete;

  std::string base_url() const;  // "https://127.0.0.1:PORT"
  int port() const { return port_; }
  // Makes `path` fail as `route` says (release_server.py's modes); {} clears it.
  void route(const std::string& path, const nlohmann::json& route);
  // "GET /path RANGE" per request so far.
  std::vector<std::string> requests() const;
  size_t count_requests(const std::string& path) const;

 private:
  fs::path root_;
  fs::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
  nlohmann::json routes_ = nlohmann::json::object();
};

}  // namespace civiup::test
