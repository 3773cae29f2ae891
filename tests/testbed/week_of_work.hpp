#pragma once
// A week of use of an upgraded site, the scenario of "rollback a week later"
// (issue 16, scripts/bench upgrade --only week): what the site's staff and
// its payment processor would have changed since the upgrade.
//   CiviCRM:  50 new contacts with what the generator writes for each
//             (emails, phone, address, activities, contribution, ...), and
//             1,000 rows of the big table (civicrm_financial_trxn) updated,
//             spread over its key range: the first, the last, evenly spaced
//             and random ones (a fixed seed).
//   Backdrop: two nodes and a user added, the state's cron_last changed, and
//             the site slogan in system.core (the active config file, or the
//             active_config row with config in the database).
namespace civiup::testbed {

// civiup-testbed week-of-work --root R --civicrm-db C --backdrop-db B
//   [--prefix P] [--contacts 50] [--big-table-updates 1000] [--seed 1]
// On the server of CIVIUP_TEST_MYSQL_*.  Prints one JSON line of what it changed.
int week_of_work_main(int argc, char** argv);

}  // namespace civiup::testbed
