// The test bed's CiviCRM-shaped database: a full round trip, and a selective
// restore after the stand-in `cv upgrade:db` ran, as civiup's rollback does it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "snapshot_fixture.hpp"
#include "testbed/standin_upgrade.hpp"
#include "testbed/testbed.hpp"

namespace civiup::test {
namespace {

struct GeneratedSite {
  ScratchDatabase backdrop{"bd"};
  ScratchDatabase civicrm{"civi"};
  testbed::Site site;

  explicit GeneratedSite(const TempDir& temp) {
    testbed::SiteSpec spec;
    spec.version = "5.74.0";
    spec.backdrop_db = backdrop.name();
    spec.civicrm_db = civicrm.name();
    spec.civicrm_data_bytes = 4u << 20;
    site = testbed::generate_site(temp / "site", testbed::DatabaseServer::from_environment(), spec);
  }
};

TEST(CiviCrmDatabase, RoundTripOfBothDatabases) {
  TempDir temp;
  GeneratedSite generated(temp);
  auto manifest = db::dump_database(snapshot_login(), generated.civicrm.name(), temp / "civicrm");
  EXPECT_GT(manifest.tables.size(), 20u);
  ScratchDatabase copy("civicopy");
  // The views' DEFINER is the site's account (as on a real site): the copy's
  // views are valid only where that account has rights, as it has on its own databases.
  execute(*copy.connect(), fmt::format("GRANT ALL ON `{}`.* TO '{}'@'%'", copy.name(), generated.site.account.user));
  db::restore_database(snapshot_login(), copy.name(), temp / "civicrm");
  Fingerprint original = database_fingerprint(generated.civicrm.name());
  expect_same_image(original, database_fingerprint(copy.name()));
  EXPECT_EQ(original.count("function civicrm_strip_non_numeric"), 1u);

  TempDir backdrop_temp;
  expect_round_trip(backdrop_temp, generated.backdrop.name());
}

TEST(CiviCrmDatabase, SelectiveRestoreAfterTheStandInUpgradeGivesBackTheOriginal) {
  TempDir temp;
  GeneratedSite generated(temp);
  const std::string database = generated.civicrm.name();
  Fingerprint before = database_fingerprint(database);
  db::dump_database(snapshot_login(), database, temp / "dump");

  testbed::StandinUpgradeOptions upgrade;
  upgrade.root = generated.site.root;
  upgrade.to_version = "5.75.0";
  ASSERT_EQ(testbed::run_standin_upgrade(upgrade), 0);
  ASSERT_EQ(query_column(*generated.civicrm.connect(), "SELECT version FROM civicrm_domain"),
            std::vector<std::string>{"5.75.0"});

  auto report = db::restore_changed(snapshot_login(), database, temp / "dump");
  expect_same_image(before, database_fingerprint(database));
  EXPECT_FALSE(report.restored_tables.empty());
  EXPECT_LT(report.restored_tables.size() * 4, report.unchanged_tables.size())
      << "only the tables the upgrade touched are reloaded";
}

}  // namespace
}  // namespace civiup::test
