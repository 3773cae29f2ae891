// SHA-256 through OpenSSL (never hand-written), SHA256SUMS parsing, and the
// OpenPGP check through gpgv: the small verify-only tool of GnuPG, given one
// keyring file; it needs no agent, no home directory and no trust database.
#include "civiup/release/release_verify.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/system/child_process.hpp"

namespace civiup {
namespace fs = std::filesystem;

// A documented place for the administrator's trusted key (DESIGN: civiup
// ships no key of its own: no fingerprint for the core tarballs is published).
constexpr const char* kSystemKeyring = "/etc/civiup/trusted-keys.gpg";

std::string sha256_of_file(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) fail("{}: cannot open: {}", file.string(), std::strerror(errno));
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1) {
    fail("{}: OpenSSL SHA-256 is not available", file.string());
  }
  std::vector<unsigned char> buffer(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("{}: read: {}", file.string(), std::strerror(errno));
    if (n == 0) break;
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<size_t>(n));
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest.data(), &length);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::map<std::string, std::string> parse_sha256sums(const std::string& text, const std::string& source) {
  std::map<std::string, std::string> sums;
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    bool hex = line.size() > 66 &&
               std::all_of(line.begin(), line.begin() + 64, [](unsigned char c) { return std::isxdigit(c) != 0; });
    if (!hex || line[64] != ' ' || (line[65] != ' ' && line[65] != '*')) {
      fail("{}: line {}: not \"<sha256>  <file name>\"", source, number);
    }
    std::string hash = line.substr(0, 64);
    std::transform(hash.begin(), hash.end(), hash.begin(), [](unsigned char c) { return std::tolower(c); });
    sums[fs::path(line.substr(66)).filename().string()] = hash;
  }
  return sums;
}

std::optional<std::string> listed_sha256(const std::map<std::string, std::string>& sums, const std::string& file_name) {
  if (auto it = sums.find(file_name); it != sums.end()) return it->second;
  // 4.7.20 to the 6.4 series published the Backdrop tarball as -backdrop-unstable.tar.gz too.
  std::string other = file_name;
  constexpr std::string_view kPublished = "-backdrop.tar.gz", kUnstable = "-backdrop-unstable.tar.gz";
  if (other.ends_with(kPublished)) {
    other.replace(other.size() - kPublished.size(), kPublished.size(), kUnstable);
  } else if (other.ends_with(kUnstable)) {
    other.replace(other.size() - kUnstable.size(), kUnstable.size(), kPublished);
  }
  if (auto it = sums.find(other); it != sums.end()) return it->second;
  return std::nullopt;
}

fs::path trusted_keyring(const std::string& option) {
  if (!option.empty()) {
    fs::path keyring = fs::absolute(option);
    if (!fs::is_regular_file(keyring)) fail("--keyring {}: no such file", option);
    return keyring;
  }
  if (fs::is_regular_file(kSystemKeyring)) return kSystemKeyring;
  return {};
}

std::string verify_detached_signature(const fs::path& keyring, const fs::path& signature, const fs::path& data) {
  if (!find_on_path("gpgv")) fail("{}: gpgv is not installed (Debian package gpgv)", signature.string());
  ChildCommand command;
  // --keyring with an absolute path: gpgv uses that file alone (not ~/.gnupg/trustedkeys.kbx).
  command.argv = {"gpgv",
                  "--status-fd",
                  "1",
                  "--keyring",
                  fs::absolute(keyring).string(),
                  fs::absolute(signature).string(),
                  fs::absolute(data).string()};
  command.env = {{"LC_ALL", "C"}};
  command.timeout = std::chrono::seconds(60);
  ChildResult result = run_child(command);
  std::string fingerprint;
  bool good = false, missing_key = false, bad = false;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("[GNUPG:] VALIDSIG ")) fingerprint = line.substr(18, line.find(' ', 18) - 18);
    good = good || line.starts_with("[GNUPG:] GOODSIG ");
    bad = bad || line.starts_with("[GNUPG:] BADSIG ");
    missing_key = missing_key || line.starts_with("[GNUPG:] NO_PUBKEY ") || line.starts_with("[GNUPG:] ERRSIG ");
  }
  if (result.exit_code == 0 && good && !fingerprint.empty()) {
    spdlog::info("{}: good signature by {} (keyring {})", signature.filename().string(), fingerprint, keyring.string());
    return fingerprint;
  }
  if (bad)
    fail("{}: BAD signature: the sums file was altered or the signature does not belong to it", signature.string());
  if (missing_key)
    fail("{}: signed by a key that is not in the trusted keyring {}", signature.string(), keyring.string());
  fail("{}: signature not verified (gpgv exit {})", signature.string(), result.exit_code);
}

}  // namespace civiup
