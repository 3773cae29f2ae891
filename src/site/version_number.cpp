#include "civiup/site/version_number.hpp"

#include <charconv>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/system/printable_text.hpp"

namespace civiup {
namespace {

constexpr std::string_view kUpgradeSuffix = ".upgrade";

// A decimal number of at most 6 digits, nothing else.
std::optional<int> parse_number(std::string_view text) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Version> Version::try_parse(std::string_view text) {
  Version version;
  if (text.size() > kUpgradeSuffix.size() && text.ends_with(kUpgradeSuffix)) {
    version.upgrade_marker_ = true;
    text.remove_suffix(kUpgradeSuffix.size());
  }
  size_t first_dot = text.find('.');
  if (first_dot == std::string_view::npos) return std::nullopt;
  size_t second_dot = text.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos) return std::nullopt;
  auto major = parse_number(text.substr(0, first_dot));
  auto minor = parse_number(text.substr(first_dot + 1, second_dot - first_dot - 1));
  std::string_view third = text.substr(second_dot + 1);
  if (!major || !minor) return std::nullopt;
  version.major_ = *major;
  version.minor_ = *minor;

  struct StageName {
    std::string_view name;
    Stage stage;
  };
  constexpr StageName kStages[] = {{"alpha", Stage::kAlpha}, {"beta", Stage::kBeta}, {"rc", Stage::kRc}};
  for (const StageName& candidate : kStages) {
    if (third.starts_with(candidate.name)) {
      version.stage_ = candidate.stage;
      third.remove_prefix(candidate.name.size());
      break;
    }
  }
  auto number = parse_number(third);
  if (!number) return std::nullopt;
  version.number_ = *number;
  return version;
}

Version Version::parse(std::string_view text) {
  auto version = try_parse(text);
  if (!version) {
    fail("'{}' is not a CiviCRM version (expected X.Y.Z or X.Y.alphaN/betaN/rcN, optionally .upgrade)",
         printable(text, 80));
  }
  return *version;
}

Version Version::without_upgrade_marker() const {
  Version copy = *this;
  copy.upgrade_marker_ = false;
  return copy;
}

std::string Version::str() const {
  std::string_view stage;
  switch (stage_) {
    case Stage::kAlpha:
      stage = "alpha";
      break;
    case Stage::kBeta:
      stage = "beta";
      break;
    case Stage::kRc:
      stage = "rc";
      break;
    case Stage::kStable:
      break;
  }
  return fmt::format("{}.{}.{}{}{}", major_, minor_, stage, number_, upgrade_marker_ ? kUpgradeSuffix : "");
}

std::vector<std::string> upgrade_version_problems(const Version& code, const Version& database, const Version& release,
                                                  bool force) {
  std::vector<std::string> problems;
  if (force) return problems;
  if (database.is_upgrade_marker()) {
    problems.push_back(
        fmt::format("the database version is {}: an earlier CiviCRM database upgrade did not finish "
                    "(restore a snapshot, or use --force to upgrade it anyway)",
                    database.str()));
  }
  Version db = database.without_upgrade_marker();
  if (code < db) {
    problems.push_back(fmt::format("the code ({}) is older than its database ({})", code.str(), db.str()));
  }
  if (release < code) {
    problems.push_back(
        fmt::format("release {} is older than the installed code {}: refusing a downgrade", release.str(), code.str()));
  } else if (release < db) {
    problems.push_back(
        fmt::format("release {} is older than the database {}: refusing a downgrade", release.str(), db.str()));
  } else if (release == code && release == db) {
    problems.push_back(fmt::format("release {} is already installed (code and database)", release.str()));
  } else if (release == code || release == db) {
    // Half of the site is at the release already: a re-run of an interrupted
    // upgrade, which needs --force.
    problems.push_back(
        fmt::format("release {} is not newer than the site (code {}, database {}); use --force to re-run",
                    release.str(), code.str(), db.str()));
  }
  return problems;
}

void require_upgrade_allowed(const Version& code, const Version& database, const Version& release, bool force) {
  auto problems = upgrade_version_problems(code, database, release, force);
  if (!problems.empty()) throw Error(problems.front());
}

}  // namespace civiup
