#pragma once
// A published release on the test's HTTPS server: the check feed, versions.json,
// civicrm-X.Y.Z-backdrop.tar.gz and -l10n.tar.gz, SHA256SUMS (made by the
// system's sha256sum, an oracle independent of civiup) and its signature by a
// key the test made.  The site is a files-only Backdrop root at 5.74.0 (what
// the download's checks read); tests that go on to preflight or upgrade build
// a full site with databases.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "download/release_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace fs = std::filesystem;

class DownloadTest : public ::testing::Test {
 protected:
  void SetUp() override;

  // Writes the files of release `version` into the served directory and the
  // feed naming it; `sign` signs SHA256SUMS with the trusted key.
  void publish(const std::string& version = "5.75.0", bool sign = true);
  // SHA256SUMS of the served tarballs of `version` (and its signature).
  void write_sums(const std::string& version, bool sign);
  nlohmann::json feed_json(const std::string& version) const;
  fs::path served(const std::string& name) const { return www_ / name; }
  std::string sums_name(const std::string& version = "5.75.0") const { return "civicrm-" + version + ".SHA256SUMS"; }

  // civiup with --json, the site, a fresh state dir, the feed and the CA.
  test::ProcessResult civiup(const std::string& command, std::vector<std::string> extra,
                             std::map<std::string, std::string> env = {});
  test::ProcessResult check_latest(std::vector<std::string> extra = {}, std::map<std::string, std::string> env = {});

  // Exit 2, one error line naming `needle`, the JSON error too, nothing in
  // downloads/ but a resumable .part (when `part_allowed`), nothing unpacked.
  void expect_refused(const test::ProcessResult& result, const std::string& needle, bool part_allowed = false);
  std::vector<std::string> downloads() const;  // file names in <state>/downloads

  test::TempDir temp_;
  fs::path root_;
  fs::path state_;
  fs::path www_;
  fs::path keyring_;
  test::Pki pki_;
  std::unique_ptr<test::SigningKey> trusted_;
  std::unique_ptr<test::ReleaseServer> server_;
};

}  // namespace civiup
