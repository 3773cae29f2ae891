// Which upgrades a release may make: never a downgrade, never the same
// version again, never over a half-upgraded (".upgrade") database — unless --force.
#include <gtest/gtest.h>

#include "civiup/base/error.hpp"
#include "civiup/site/version_number.hpp"

namespace civiup {
namespace {

std::vector<std::string> problems(const char* code, const char* db, const char* release, bool force = false) {
  return upgrade_version_problems(Version::parse(code), Version::parse(db), Version::parse(release), force);
}

bool mentions(const std::vector<std::string>& list, std::string_view needle) {
  for (const auto& problem : list) {
    if (problem.find(needle) != std::string::npos) return true;
  }
  return false;
}

TEST(VersionRules, NewerReleaseIsAllowed) {
  EXPECT_TRUE(problems("5.74.0", "5.74.0", "5.75.0").empty());
  EXPECT_TRUE(problems("5.74.4", "5.74.4", "5.74.5").empty());
  EXPECT_TRUE(problems("5.75.rc1", "5.75.rc1", "5.75.0").empty());
}

// CiviCRM 6.0.0 followed 5.82; the extended-support releases go 5.81 -> 6.4 -> 6.10.
TEST(VersionRules, AcrossTheMajorVersion) {
  EXPECT_LT(Version::parse("5.82.3"), Version::parse("6.0.0"));
  EXPECT_LT(Version::parse("5.99.0"), Version::parse("6.0.alpha1"));
  EXPECT_LT(Version::parse("6.9.2"), Version::parse("6.10.0"));  // numbers, not text
  EXPECT_LT(Version::parse("6.19.0"), Version::parse("10.0.0"));
  EXPECT_LT(Version::parse("6.4.0"), Version::parse("6.4.0.upgrade"));
  EXPECT_EQ(Version::parse("6.19.0").major(), 6);
  EXPECT_EQ(Version::parse("6.19.0").str(), "6.19.0");
  EXPECT_TRUE(problems("5.81.0", "5.81.0", "6.4.0").empty());
  EXPECT_TRUE(problems("6.4.2", "6.4.2", "6.10.0").empty());
  EXPECT_TRUE(mentions(problems("6.0.0", "6.0.0", "5.82.0"), "refusing a downgrade"));
  EXPECT_TRUE(mentions(problems("5.81.0", "6.4.0", "6.4.0"), "use --force to re-run"));
  EXPECT_TRUE(mentions(problems("6.4.0", "6.4.0.upgrade", "6.10.0"), "did not finish"));
}

TEST(VersionRules, DowngradeIsRefused) {
  auto list = problems("5.75.0", "5.75.0", "5.74.0");
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(mentions(list, "release 5.74.0 is older than the installed code 5.75.0: refusing a downgrade"));
  EXPECT_TRUE(mentions(problems("5.74.0", "5.76.0", "5.75.0"), "older than the database 5.76.0"));
}

TEST(VersionRules, SameVersionIsRefused) {
  EXPECT_TRUE(mentions(problems("5.75.0", "5.75.0", "5.75.0"), "release 5.75.0 is already installed"));
  EXPECT_TRUE(mentions(problems("5.75.0", "5.74.0", "5.75.0"), "use --force to re-run"));
}

TEST(VersionRules, HalfUpgradedDatabaseIsRefused) {
  EXPECT_TRUE(mentions(problems("5.74.0", "5.75.0.upgrade", "5.76.0"), "did not finish"));
}

TEST(VersionRules, PrereleaseOrder) {
  EXPECT_LT(Version::parse("5.75.alpha1"), Version::parse("5.75.beta1"));
  EXPECT_LT(Version::parse("5.75.beta1"), Version::parse("5.75.rc1"));
  EXPECT_LT(Version::parse("5.75.rc1"), Version::parse("5.75.0"));
  EXPECT_LT(Version::parse("5.75.0"), Version::parse("5.75.0.upgrade"));
  EXPECT_LT(Version::parse("5.75.0.upgrade"), Version::parse("5.75.1"));
  EXPECT_LT(Version::parse("5.9.0"), Version::parse("5.10.0"));
}

TEST(VersionRules, ForceAllowsEverything) {
  EXPECT_TRUE(problems("5.75.0", "5.75.0.upgrade", "5.74.0", true).empty());
  EXPECT_NO_THROW(
      require_upgrade_allowed(Version::parse("5.75.0"), Version::parse("5.75.0"), Version::parse("5.75.0"), true));
  EXPECT_THROW(
      require_upgrade_allowed(Version::parse("5.75.0"), Version::parse("5.75.0"), Version::parse("5.75.0"), false),
      Error);
}

TEST(VersionRules, MalformedVersions) {
  for (const char* text : {"5", "5.75", "5.75.x", "5.75.0.1", "a.b.c", "5.75.0.upgrade.upgrade", "", ".upgrade"}) {
    EXPECT_FALSE(Version::try_parse(text)) << text;
  }
}

}  // namespace
}  // namespace civiup
