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

// The small fixed tables (domain with `version`, option values, countries...),
// sized for `contacts` contacts (the domain's contact is contact 1).
void insert_civicrm_reference_rows(SqlSession& session, const std::string& version);

// Contacts first..last with their emails, phones, addresses, activities,
// contributions and the rest; one INSERT ... SELECT per table, no client rows.
// `contacts` is the total, for references that may point at any contact.
void insert_civicrm_bulk_rows(SqlSession& session, uint64_t first, uint64_t last, uint64_t contacts);

// civicrm_strip_non_numeric, the triggers and the views (a view on a view);
// created after the rows, as a restore would.
std::vector<std::string> civicrm_routine_statements();

// About this many bytes (data + indexes) per generated contact.
constexpr uint64_t kCiviCrmBytesPerContact = 4000;

}  // namespace civiup::testbed
