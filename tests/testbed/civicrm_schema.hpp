#pragma once
// CiviCRM's database as the test bed builds it: tables shaped like CiviCRM 5.x
// (a subset of columns), reference rows, bulk rows made server-side from
// MariaDB's Sequence engine, then the function, triggers and views.
#include <cstdint>
#include <string>
#include <vector>

#include "testbed/sql_session.hpp"

namespace civiup::testbed {

// CREATE TABLE statements, referenced tables first.
std::vector<std::string> civicrm_table_statements();

// The small fixed tables (domain with `version`, option values, countries...)
// and contact 1, the domain's organization.
void insert_civicrm_reference_rows(SqlSession& session, const std::string& version);

// The bulk rows of contacts first..last with their emails, phones,
// addresses, activities, contributions and the rest: one INSERT ... SELECT
// per table, no client rows.  Two lanes that may run at the same time on two
// connections (each lane in order; with foreign_key_checks off nothing in one
// lane waits for the other).  `contacts` is the total, for references that
// may point at any contact.
struct CiviCrmBulkStatements {
  std::vector<std::string> contact_lane;   // contacts and what hangs off them (log_civicrm_contact reads contacts)
  std::vector<std::string> activity_lane;  // activities, contributions, memberships, participants
};
CiviCrmBulkStatements civicrm_bulk_statements(uint64_t first, uint64_t last, uint64_t contacts);

// civicrm_strip_non_numeric, the triggers and the views (a view on a view);
// created after the rows, as a restore would.
std::vector<std::string> civicrm_routine_statements();

// CiviCRM's logging triggers (CRM_Logging_Schema::createTriggers) on
// civicrm_contact, writing each change into `logging_db`.log_civicrm_contact
// with the log table's columns plus `extra_columns` (what an upgrade added to
// both).  Named civicrm_contact_after_{insert,update,delete}.
std::vector<std::string> civicrm_logging_trigger_statements(const std::string& logging_db,
                                                            const std::vector<std::string>& extra_columns = {});

// The big table the upgrade never touches (SiteSpec::big_table_rows):
// civicrm_financial_trxn with its primary key only, its secondary keys (one
// ALTER, after the rows), and its rows first..last (id = seq) as one
// INSERT ... SELECT.
inline constexpr const char* kCiviCrmBigTable = "civicrm_financial_trxn";
std::string civicrm_big_table_create();
std::string civicrm_big_table_keys();
std::string civicrm_big_table_rows(uint64_t first, uint64_t last);
// About this many bytes (data + indexes) per big-table row (measured: see docs/testbed.md).
constexpr uint64_t kCiviCrmBigTableBytesPerRow = 300;

// About this many bytes (data + indexes) per generated contact.
constexpr uint64_t kCiviCrmBytesPerContact = 4500;

// How many contacts (the domain's included) make about `data_bytes` in all.
uint64_t civicrm_contact_count(uint64_t data_bytes);

}  // namespace civiup::testbed
