// The generated CiviCRM database: shaped like CiviCRM's, and holding every
// kind of value a dump and restore must carry unchanged.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>

#include "generated_site.hpp"
#include "testbed/civicrm_schema.hpp"

namespace civiup::test {
namespace {

int as_int(const std::string& text) { return std::stoi(text); }

TEST(CiviCrmDatabase, DomainVersionTablesKeysAndIndexes) {
  testbed::SiteSpec spec;
  spec.version = "5.74.3";
  GeneratedSite db(spec);
  EXPECT_EQ(db.civicrm("SELECT version FROM civicrm_domain"), std::vector<std::string>{"5.74.3"});
  EXPECT_GE(as_int(db.civicrm_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                                    " AND TABLE_TYPE = 'BASE TABLE' AND ENGINE = 'InnoDB'")),
            30);
  EXPECT_EQ(db.civicrm_value("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                             " AND TABLE_TYPE = 'BASE TABLE' AND ENGINE <> 'InnoDB'"),
            "0");
  EXPECT_GE(as_int(db.civicrm_value("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS"
                                    " WHERE CONSTRAINT_SCHEMA = DATABASE()")),
            50);
  EXPECT_GE(as_int(db.civicrm_value("SELECT COUNT(DISTINCT TABLE_NAME, INDEX_NAME) FROM information_schema.STATISTICS"
                                    " WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME <> 'PRIMARY'")),
            80);
  // A self-reference (contact.employer_id) and a table without a primary key (detailed logging).
  EXPECT_EQ(
      db.civicrm_value("SELECT COUNT(*) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA ="
                       " DATABASE() AND TABLE_NAME = 'civicrm_contact' AND REFERENCED_TABLE_NAME = 'civicrm_contact'"),
      "1");
  EXPECT_EQ(db.civicrm_value("SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE()"
                             " AND TABLE_NAME = 'log_civicrm_contact' AND CONSTRAINT_TYPE = 'PRIMARY KEY'"),
            "0");
  for (const std::string table : {"civicrm_contact",      "civicrm_email",
                                  "civicrm_phone",        "civicrm_address",
                                  "civicrm_activity",     "civicrm_activity_contact",
                                  "civicrm_contribution", "civicrm_membership",
                                  "civicrm_participant",  "civicrm_event",
                                  "civicrm_option_group", "civicrm_option_value",
                                  "civicrm_country",      "civicrm_state_province",
                                  "civicrm_group",        "civicrm_group_contact",
                                  "civicrm_entity_tag",   "civicrm_tag",
                                  "civicrm_note",         "civicrm_log",
                                  "civicrm_cache",        "civicrm_group_contact_cache",
                                  "civicrm_setting",      "log_civicrm_contact"}) {
    EXPECT_GT(as_int(db.civicrm_value("SELECT COUNT(*) FROM " + table)), 0) << table;
  }
}

// Every foreign key's column points at an existing row (the generator loads
// with foreign_key_checks off, so nothing else checks it).
void expect_no_orphans(const GeneratedSite& db) {
  auto connection = connect(db.site().civicrm_db);
  auto keys =
      query_column(*connection,
                   "SELECT CONCAT_WS(' ', TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME)"
                   " FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE()"
                   " AND REFERENCED_TABLE_NAME IS NOT NULL");
  ASSERT_GE(keys.size(), 50u);
  for (const std::string& key : keys) {
    std::istringstream parts(key);
    std::string table, column, referenced, referenced_column;
    parts >> table >> column >> referenced >> referenced_column;
    const auto orphans =
        query_column(*connection, fmt::format("SELECT COUNT(*) FROM `{0}` t LEFT JOIN `{2}` r ON r.`{3}` = t.`{1}`"
                                              " WHERE t.`{1}` IS NOT NULL AND r.`{3}` IS NULL",
                                              table, column, referenced, referenced_column));
    EXPECT_EQ(orphans, std::vector<std::string>{"0"}) << key;
  }
}

TEST(CiviCrmDatabase, EveryForeignKeyHoldsAlthoughLoadedWithChecksOff) {
  GeneratedSite db;
  expect_no_orphans(db);
}

TEST(CiviCrmDatabase, FunctionTriggersAndAViewOnAView) {
  GeneratedSite db;
  // CiviCRM's own civicrm_strip_non_numeric, and the trigger that uses it.
  EXPECT_EQ(db.civicrm_value("SELECT civicrm_strip_non_numeric('+1 (555) 010-9999 ext. 7')"), "155501099997");
  EXPECT_EQ(db.civicrm_value("SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
                             " AND ROUTINE_NAME = 'civicrm_strip_non_numeric' AND ROUTINE_TYPE = 'FUNCTION'"),
            "1");
  EXPECT_GE(
      as_int(db.civicrm_value("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")),
      5);
  auto connection = connect(db.site().civicrm_db);
  execute(*connection, "INSERT INTO civicrm_phone (contact_id, phone) VALUES (1, '(617) 555-0199')");
  EXPECT_EQ(query_column(*connection, "SELECT phone_numeric FROM civicrm_phone WHERE phone = '(617) 555-0199'"),
            std::vector<std::string>{"6175550199"});

  const std::string definition = db.civicrm_value(
      "SELECT VIEW_DEFINITION FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()"
      " AND TABLE_NAME = 'civicrm_view_mailing_list'");
  EXPECT_NE(definition.find("civicrm_view_contact_primary_email"), std::string::npos) << definition;
  EXPECT_EQ(db.civicrm_value("SELECT COUNT(*) FROM civicrm_view_mailing_list"),
            db.civicrm_value("SELECT COUNT(*) FROM civicrm_contact c JOIN civicrm_email e ON e.contact_id = c.id"
                             " AND e.is_primary = 1 WHERE c.is_deleted = 0"));
}

TEST(CiviCrmDatabase, EveryByteValueRoundTripsInBlobAndVarbinary) {
  GeneratedSite db;
  std::string every_byte, hex;
  for (int b = 0; b < 256; ++b) {
    every_byte.push_back(static_cast<char>(b));
    hex += fmt::format("{:02X}", b);
  }
  EXPECT_EQ(db.civicrm_value("SELECT HEX(document) FROM civicrm_file WHERE id = 1"), hex);
  EXPECT_EQ(db.civicrm_value("SELECT HEX(checksum) FROM civicrm_file WHERE id = 1"), hex);
  // ... and through the client library, byte for byte.
  auto connection = connect(db.site().civicrm_db);
  std::unique_ptr<sql::Statement> statement(connection->createStatement());
  std::unique_ptr<sql::ResultSet> rows(
      statement->executeQuery("SELECT document, checksum FROM civicrm_file WHERE id = 1"));
  ASSERT_TRUE(rows->next());
  EXPECT_EQ(std::string(rows->getString(1)), every_byte);
  EXPECT_EQ(std::string(rows->getString(2)), every_byte);
  EXPECT_EQ(db.civicrm_value("SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                             " AND TABLE_NAME = 'civicrm_file' AND COLUMN_NAME = 'checksum'"),
            "varbinary");
  // Bulk uploads hold binary too.
  EXPECT_GT(as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_file WHERE LENGTH(document) > 1000")), 0);
}

TEST(CiviCrmDatabase, FourByteUtf8AndControlCharacters) {
  GeneratedSite db;
  const std::string fraktur = "\xF0\x9D\x94\x89raktur";  // U+1D509, 4 bytes in UTF-8
  EXPECT_GT(as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_contact WHERE last_name = '" + fraktur + "'")), 0);
  EXPECT_EQ(db.civicrm("SELECT DISTINCT last_name FROM civicrm_contact WHERE last_name LIKE '%raktur'"),
            std::vector<std::string>{fraktur});
  EXPECT_GT(as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_activity WHERE details LIKE '%\xF0\x9F\x8E\x89%'")),
            0);
  EXPECT_GT(as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_contact WHERE LENGTH(display_name) >"
                                    " CHAR_LENGTH(display_name) + 2")),
            0);
  // CiviCRM's \x01-separated values.
  EXPECT_GT(
      as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_participant WHERE role_id = CONCAT('1', CHAR(1), '2')")),
      0);
  EXPECT_EQ(db.civicrm_value(
                "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = DATABASE()"),
            "utf8mb4");
}

TEST(CiviCrmDatabase, NullNextToEmptyString) {
  GeneratedSite db;
  EXPECT_GT(as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_contact WHERE middle_name IS NULL")), 0);
  EXPECT_GT(as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_contact WHERE middle_name = ''")), 0);
  EXPECT_GT(as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_phone WHERE phone_ext IS NULL")), 0);
  EXPECT_GT(as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_phone WHERE phone_ext = ''")), 0);
  EXPECT_EQ(db.civicrm("SELECT CONCAT(document IS NULL, ':', LENGTH(document), ':', checksum IS NULL) FROM civicrm_file"
                       " WHERE id = 2"),
            std::vector<std::string>{"0:0:1"});  // an empty document, a NULL checksum
  EXPECT_EQ(db.civicrm("SELECT LENGTH(document) FROM civicrm_file WHERE id = 2"), std::vector<std::string>{"0"});
  EXPECT_EQ(db.civicrm("SELECT document FROM civicrm_file WHERE id = 3"), std::vector<std::string>{"NULL"});
  EXPECT_EQ(db.civicrm("SELECT LENGTH(checksum) FROM civicrm_file WHERE id = 3"), std::vector<std::string>{"0"});
}

TEST(CiviCrmDatabase, DecimalDatetimeJsonAndGeneratedColumns) {
  GeneratedSite db;
  auto column_type = [&](const std::string& table, const std::string& column) {
    return db.civicrm_value(
        fmt::format("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                    " AND TABLE_NAME = '{}' AND COLUMN_NAME = '{}'",
                    table, column));
  };
  EXPECT_EQ(column_type("civicrm_contribution", "total_amount"), "decimal(20,2)");
  EXPECT_EQ(column_type("civicrm_membership_type", "minimum_fee"), "decimal(18,9)");
  EXPECT_EQ(column_type("civicrm_contribution", "receive_date"), "datetime");
  EXPECT_EQ(column_type("civicrm_address", "geo_code_1"), "double");
  // MariaDB's JSON is LONGTEXT with a json_valid() check.
  EXPECT_EQ(
      db.civicrm_value("SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
                       " AND TABLE_NAME = 'civicrm_search_display' AND CHECK_CLAUSE LIKE '%json_valid%'"),
      "1");
  EXPECT_EQ(db.civicrm_value("SELECT JSON_VALUE(settings, '$.limit') FROM civicrm_search_display WHERE id = 1"), "50");
  EXPECT_EQ(db.civicrm_value("SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"
                             " AND IS_GENERATED = 'ALWAYS'"),
            "2");
  EXPECT_EQ(
      db.civicrm_value("SELECT COUNT(*) FROM civicrm_contribution WHERE total_with_tax <> total_amount + tax_amount"),
      "0");
  EXPECT_GT(as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_contribution WHERE tax_amount > 0")), 0);
  EXPECT_EQ(db.civicrm_value("SELECT COUNT(*) FROM civicrm_contact WHERE sort_initial <> LEFT(sort_name, 1)"), "0");
  // Exact decimal text: cents survive.
  EXPECT_GT(
      as_int(db.civicrm_value("SELECT COUNT(*) FROM civicrm_contribution WHERE total_amount <> FLOOR(total_amount)")),
      0);
}

// InnoDB's data + index bytes of the database, after fresh statistics.
uint64_t database_bytes(const GeneratedSite& db) {
  auto connection = connect(db.site().civicrm_db);
  for (const std::string& table : query_column(*connection,
                                               "SELECT TABLE_NAME FROM information_schema.TABLES WHERE"
                                               " TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")) {
    query_column(*connection, "ANALYZE TABLE `" + table + "`");
  }
  return std::stoull(query_column(*connection,
                                  "SELECT SUM(DATA_LENGTH + INDEX_LENGTH) FROM information_schema.TABLES"
                                  " WHERE TABLE_SCHEMA = DATABASE()")
                         .at(0));
}

TEST(CiviCrmDatabase, SizeKnobIsRoughlyHonoured) {
  testbed::SiteSpec small;
  small.civicrm_data_bytes = 2'000'000;
  GeneratedSite small_db(small);
  const uint64_t small_bytes = database_bytes(small_db);
  EXPECT_LT(small_bytes, 8'000'000u);

  testbed::SiteSpec larger;
  larger.civicrm_data_bytes = 60'000'000;
  GeneratedSite larger_db(larger);
  const uint64_t larger_bytes = database_bytes(larger_db);
  EXPECT_GT(larger_bytes, 40'000'000u);
  EXPECT_LT(larger_bytes, 90'000'000u);
  EXPECT_EQ(larger_db.civicrm_value("SELECT COUNT(*) FROM civicrm_contact"),
            std::to_string(testbed::civicrm_contact_count(60'000'000)));

  // A large database gets its keys after the rows: the same keys in the end.
  for (const std::string query :
       {"SELECT CONCAT_WS(' ', TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, SUB_PART)"
        " FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
        "SELECT CONCAT_WS(' ', TABLE_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME, UPDATE_RULE, DELETE_RULE)"
        " FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() ORDER BY 1",
        "SELECT CONCAT_WS(' ', TABLE_NAME, COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT)"
        " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY 1",
        "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1"}) {
    EXPECT_EQ(larger_db.civicrm(query), small_db.civicrm(query)) << query;
  }
  expect_no_orphans(larger_db);
}

}  // namespace
}  // namespace civiup::test
