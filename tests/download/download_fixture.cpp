#include "download/download_fixture.hpp"

#include <fmt/format.h>

#include "testbed/testbed.hpp"

namespace civiup {

void DownloadTest::SetUp() {
  root_ = temp_ / "www" / "site";
  state_ = temp_ / "state";
  www_ = temp_ / "served";
  keyring_ = temp_ / "trusted.gpg";
  fs::create_directories(root_ / "modules");
  test::write_text(root_ / "index.php", "<?php\n");
  test::write_text(root_ / "settings.php", "<?php\n$database = 'mysql://u:p@127.0.0.1:1/none';\n");
  testbed::ReleaseSpec installed;
  installed.version = "5.74.0";
  installed.file_count = 20;
  installed.total_bytes = 32 * 1024;
  testbed::write_release_tree(root_ / "modules", installed);
  pki_ = test::make_pki(temp_ / "pki");
  trusted_ = std::make_unique<test::SigningKey>(temp_ / "gnupg-trusted", "trusted");
  trusted_->export_keyring(keyring_);
  server_ = std::make_unique<test::ReleaseServer>(www_, pki_);
}

void DownloadTest::publish(const std::string& version, bool sign) {
  testbed::ReleaseSpec spec;
  spec.version = version;
  spec.file_count = 60;
  spec.total_bytes = 256 * 1024;
  testbed::write_release_tarball(www_, spec);
  fs::path l10n = temp_ / ("l10n-" + version);
  test::write_text(l10n / "civicrm/l10n/fr_FR/LC_MESSAGES/civicrm.mo", "\xde\x12\x04\x95 french");
  test::write_text(l10n / "civicrm/sql/civicrm_data.fr_FR.mysql", "INSERT INTO civicrm_x VALUES (1);\n");
  std::string l10n_name = fmt::format("civicrm-{}-l10n.tar.gz", version);
  test::run_process({"tar", "-czf", served(l10n_name).string(), "-C", l10n.string(), "civicrm"});
  write_sums(version, sign);
  test::write_text(served("check"), feed_json(version).dump());
  nlohmann::json versions = {
      {"5.74", {{"status", "stable"}, {"releases", {{{"version", "5.74.0"}, {"date", "2024-06-05"}}}}}},
      {"5.75",
       {{"status", "stable"},
        {"releases", {{{"version", version}, {"date", "2024-07-03"}, {"security", "true"}, {"message", "fixes"}}}}}}};
  test::write_text(served("versions.json"), versions.dump());
}

void DownloadTest::write_sums(const std::string& version, bool sign) {
  std::string tarball = fmt::format("civicrm-{}-backdrop.tar.gz", version);
  std::string l10n_name = fmt::format("civicrm-{}-l10n.tar.gz", version);
  test::ProcessOptions in_www;
  in_www.cwd = www_;
  test::ProcessResult sums = test::run_process({"sha256sum", tarball, l10n_name}, in_www);
  ASSERT_EQ(sums.exit_code, 0) << sums.err;
  test::write_text(served(sums_name(version)), sums.out);
  fs::remove(served(sums_name(version) + ".asc"));
  if (sign) trusted_->sign(served(sums_name(version)));
}

nlohmann::json DownloadTest::feed_json(const std::string& version) const {
  std::string l10n_name = fmt::format("civicrm-{}-l10n.tar.gz", version);
  // The feed names the tarball as CiviCRM's does, -backdrop-unstable.tar.gz.
  nlohmann::json check = {
      {"version", version},
      {"rev", version},
      {"tar",
       {{"Backdrop", fmt::format("{}/civicrm-{}-backdrop-unstable.tar.gz", server_->base_url(), version)},
        {"Drupal", fmt::format("{}/civicrm-{}-drupal.tar.gz", server_->base_url(), version)},
        {"L10n", fmt::format("{}/{}", server_->base_url(), l10n_name)}}}};
  return check;
}

test::ProcessResult DownloadTest::civiup(const std::string& command, std::vector<std::string> extra,
                                         std::map<std::string, std::string> env) {
  std::vector<std::string> args = {"--json",      command,
                                   "--root",      root_.string(),
                                   "--state-dir", state_.string(),
                                   "--feed",      server_->base_url(),
                                   "--ca-file",   pki_.ca_cert.string()};
  args.insert(args.end(), extra.begin(), extra.end());
  test::ProcessOptions options;
  options.extra_env = std::move(env);
  return test::run_civiup(args, options);
}

test::ProcessResult DownloadTest::check_latest(std::vector<std::string> extra, std::map<std::string, std::string> env) {
  extra.insert(extra.begin(), {"--latest", "--db-upgrade", "/bin/true"});
  return civiup("check", extra, std::move(env));
}

std::vector<std::string> DownloadTest::downloads() const {
  std::vector<std::string> names;
  if (!fs::exists(state_ / "downloads")) return names;
  for (const auto& entry : fs::directory_iterator(state_ / "downloads"))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void DownloadTest::expect_refused(const test::ProcessResult& result, const std::string& needle, bool part_allowed) {
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  nlohmann::json json = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_TRUE(json.is_object()) << result.out << result.err;
  EXPECT_EQ(json["ok"], false);
  EXPECT_NE(json["error"].get<std::string>().find(needle), std::string::npos) << json["error"];
  // One line on stderr, civiup: error: <object>: <cause>.
  std::string error_line;
  for (size_t start = 0; start < result.err.size();) {
    size_t end = result.err.find('\n', start);
    std::string line = result.err.substr(start, end - start);
    if (line.starts_with("civiup: error: ")) {
      EXPECT_TRUE(error_line.empty()) << "two error lines:\n" << result.err;
      error_line = line;
    }
    start = end == std::string::npos ? result.err.size() : end + 1;
  }
  EXPECT_NE(error_line.find(needle), std::string::npos) << result.err;
  for (const std::string& name : downloads()) {
    EXPECT_TRUE(part_allowed && name.ends_with(".part")) << "left in downloads/: " << name;
  }
  // Nothing unpacked: the state dir holds downloads/ at most.
  if (fs::exists(state_)) {
    for (const auto& entry : fs::directory_iterator(state_)) EXPECT_EQ(entry.path().filename(), "downloads");
  }
  EXPECT_TRUE(fs::exists(root_ / "modules" / "civicrm" / "civicrm-version.php"));
}

}  // namespace civiup
