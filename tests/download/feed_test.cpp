// The release feed's documents and SHA256SUMS, read without a network: the
// shapes CiviCRM publishes (upgrade.civicrm.org's CheckController answer,
// latest.civicrm.org/versions.json with "security": "true") and what must be
// refused in them.
#include <gtest/gtest.h>

#include "civiup/base/error.hpp"
#include "civiup/cli/release_source.hpp"
#include "civiup/release/release_feed.hpp"
#include "civiup/release/release_verify.hpp"
#include "support/error_of.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {

// The stable answer as civicrm-upgrade-manager builds it (download.civicrm.org
// URLs, the Backdrop tarball under its -backdrop-unstable.tar.gz name).
constexpr const char* kCheck = R"({"version":"5.76.2","rev":"5.76.2","tar":{
  "Backdrop":"https://download.civicrm.org/civicrm-5.76.2-backdrop-unstable.tar.gz",
  "Drupal":"https://download.civicrm.org/civicrm-5.76.2-drupal.tar.gz",
  "L10n":"https://download.civicrm.org/civicrm-5.76.2-l10n.tar.gz",
  "WordPress":"https://download.civicrm.org/civicrm-5.76.2-wordpress.zip"},
  "git":{"civicrm-core":{"commit":"5.76.2"}}})";

constexpr const char* kVersions = R"({
  "5.75": {"status": "eol", "releases": [
     {"version": "5.75.0", "date": "2024-07-03"},
     {"version": "5.75.1", "date": "2024-07-10", "security": "true", "message": "security fixes"}]},
  "5.76": {"status": "stable", "releases": [
     {"version": "5.76.0", "date": "2024-08-07"},
     {"version": "5.76.2", "date": "2024-08-21"}]},
  "5.77": {"status": "testing", "releases": [{"version": "5.77.beta1", "date": "2024-08-22"}]}})";

using test::error_of;

TEST(ReleaseFeed, CheckAnswerGivesTheVersionAndTheTarballUrls) {
  FeedRelease release = parse_check_feed(kCheck, "https://upgrade.civicrm.org/check?stability=stable");
  EXPECT_EQ(release.version.str(), "5.76.2");
  EXPECT_EQ(release.backdrop_url, "https://download.civicrm.org/civicrm-5.76.2-backdrop-unstable.tar.gz");
  EXPECT_EQ(published_backdrop_name(url_file_name(release.backdrop_url)), "civicrm-5.76.2-backdrop.tar.gz");
  EXPECT_EQ(release.l10n_url, "https://download.civicrm.org/civicrm-5.76.2-l10n.tar.gz");
  EXPECT_EQ(url_directory(release.backdrop_url), "https://download.civicrm.org");
}

TEST(ReleaseFeed, BadCheckAnswersAreRefused) {
  const std::string url = "https://feed/check";
  EXPECT_EQ(error_of([&] { parse_check_feed(R"({"rev":null,"message":"Unexpected exception"})", url); }),
            "https://feed/check: the feed names no release: Unexpected exception");
  EXPECT_NE(error_of([&] { parse_check_feed("<html>", url); }).find("malformed feed JSON"), std::string::npos);
  EXPECT_NE(error_of([&] { parse_check_feed(R"({"rev":"5.77.beta1","tar":{}})", url); }).find("not a stable"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_check_feed(R"({"rev":"5.76.2","tar":{"Backdrop":"http://x/civicrm-5.76.2-backdrop.tar.gz"}})", url);
            }).find("not an https:// URL"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              parse_check_feed(R"({"rev":"5.76.2","tar":{"Backdrop":"https://x/civicrm-5.76.1-backdrop.tar.gz"}})",
                               url);
            }).find("is not the Backdrop tarball of 5.76.2"),
            std::string::npos);
}

TEST(ReleaseFeed, VersionsJsonListsReleasesWithTheSecurityFlag) {
  auto releases = parse_versions_json(kVersions, "v.json");
  ASSERT_EQ(releases.size(), 5u);
  auto listed = find_release(releases, Version::parse("5.75.1"));
  ASSERT_TRUE(listed);
  EXPECT_TRUE(listed->security);
  EXPECT_EQ(listed->date, "2024-07-10");
  EXPECT_FALSE(find_release(releases, Version::parse("5.76.1")));
  EXPECT_NE(
      error_of([] { parse_versions_json(R"({"5.76": {"status": "stable"}})", "v.json"); }).find("no \"releases\""),
      std::string::npos);
}

TEST(ReleaseFeed, NewerReleaseSkipsTestingBranchesAndCarriesSecurityForward) {
  auto releases = parse_versions_json(kVersions, "v.json");
  auto from_5750 = newer_release(releases, Version::parse("5.75.0"));
  ASSERT_TRUE(from_5750);
  EXPECT_EQ(from_5750->version.str(), "5.76.2");
  EXPECT_TRUE(from_5750->security) << "5.75.1, on the way, was a security release";
  auto from_5751 = newer_release(releases, Version::parse("5.75.1"));
  ASSERT_TRUE(from_5751);
  EXPECT_FALSE(from_5751->security);
  EXPECT_FALSE(newer_release(releases, Version::parse("5.76.2"))) << "the beta is not offered";
}

TEST(Sha256Sums, ParsesSha256sumOutputAndFindsBothBackdropNames) {
  std::string a(64, 'a'), b(64, 'B');
  auto sums = parse_sha256sums(
      a + "  civicrm-5.76.2-backdrop-unstable.tar.gz\r\n" + b + " *dir/civicrm-5.76.2-l10n.tar.gz\n\n", "S");
  EXPECT_EQ(listed_sha256(sums, "civicrm-5.76.2-backdrop.tar.gz"), a);
  EXPECT_EQ(listed_sha256(sums, "civicrm-5.76.2-l10n.tar.gz"), std::string(64, 'b'));
  EXPECT_FALSE(listed_sha256(sums, "civicrm-5.76.2-drupal.tar.gz"));
  EXPECT_EQ(error_of([] { parse_sha256sums("xyz  file\n", "S"); }), "S: line 1: not \"<sha256>  <file name>\"");
}

TEST(Sha256Sums, FileHashMatchesTheKnownVector) {
  test::TempDir temp;
  test::write_text(temp / "abc", "abc");
  EXPECT_EQ(sha256_of_file(temp / "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ReleaseOptions, BareL10nMeansTheMatchingTarballAndAFileStillWorks) {
  using Args = std::vector<std::string>;
  EXPECT_EQ(expand_bare_l10n({"--latest", "--l10n"}), (Args{"--latest", "--l10n="}));
  EXPECT_EQ(expand_bare_l10n({"--l10n", "--latest"}), (Args{"--l10n=", "--latest"}));
  EXPECT_EQ(expand_bare_l10n({"--l10n", "fr.tar.gz", "--latest"}), (Args{"--l10n", "fr.tar.gz", "--latest"}));
  cxxopts::Options options("civiup check");
  options.add_options()("release", "", cxxopts::value<std::string>())("l10n", "", cxxopts::value<std::string>());
  add_release_source_options(options);
  auto parse = [&](Args args) {
    args = expand_bare_l10n(args);
    args.insert(args.begin(), "civiup");
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    return release_source_options_from(options.parse(static_cast<int>(argv.size()), argv.data()));
  };
  EXPECT_TRUE(parse({"--latest", "--l10n"}).matching_l10n);
  EXPECT_FALSE(parse({"--latest", "--l10n", "fr.tar.gz"}).matching_l10n);
  EXPECT_EQ(parse({"--version", "5.76.2"}).version, "5.76.2");
  EXPECT_EQ(error_of([&] {
              parse({"--release", "x.tar.gz", "--l10n"});
            }),
            "--l10n without a file needs --latest or --version");
  EXPECT_EQ(error_of([&] {
              parse({"--release", "x.tar.gz", "--latest"});
            }),
            "--release, --latest and --version exclude each other");
  EXPECT_EQ(error_of([&] { parse({"--latest", "--sha256sums", "S"}); }), "--sha256sums checks a --release FILE");
}

}  // namespace
}  // namespace civiup
