// CiviCRM's stored function, triggers and views as the test bed creates them,
// after the rows (as a restore does, and so the triggers do not fire on bulk rows).
#include "testbed/civicrm_schema.hpp"

#include <fmt/format.h>

namespace civiup::testbed {

std::vector<std::string> civicrm_routine_statements() {
  std::vector<std::string> r;
  // CiviCRM's own (CRM_Contact_BAO_Contact::CREATE_STRIP_FUNCTION_43), used by
  // the phone triggers to fill phone_numeric.
  r.push_back(R"(CREATE FUNCTION civicrm_strip_non_numeric(input VARCHAR(255))
      RETURNS VARCHAR(255)
      DETERMINISTIC
      NO SQL
    BEGIN
      DECLARE output   VARCHAR(255) DEFAULT '';
      DECLARE iterator INT          DEFAULT 1;
      WHILE iterator < (LENGTH(input) + 1) DO
        IF SUBSTRING(input, iterator, 1) IN ('0', '1', '2', '3', '4', '5', '6', '7', '8', '9') THEN
          SET output = CONCAT(output, SUBSTRING(input, iterator, 1));
        END IF;
        SET iterator = iterator + 1;
      END WHILE;
      RETURN output;
    END)");
  // CiviCRM's triggerInfo(): phone_numeric, and contact.modified_date kept
  // current when a contact's email changes.
  for (const char* event : {"INSERT", "UPDATE"}) {
    r.push_back(
        fmt::format("CREATE TRIGGER civicrm_phone_before_{} BEFORE {} ON civicrm_phone FOR EACH ROW BEGIN\n"
                    "SET NEW.phone_numeric = civicrm_strip_non_numeric(NEW.phone);\n"
                    "END",
                    event[0] == 'I' ? "insert" : "update", event));
  }
  for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
    const std::string row = event[0] == 'D' ? "OLD" : "NEW";
    std::string name = event;
    for (char& c : name) c = static_cast<char>(c - 'A' + 'a');
    r.push_back(
        fmt::format("CREATE TRIGGER civicrm_email_after_{} AFTER {} ON civicrm_email FOR EACH ROW BEGIN\n"
                    "UPDATE civicrm_contact SET modified_date = CURRENT_TIMESTAMP WHERE id = {}.contact_id;\n"
                    "END",
                    name, event, row));
  }
  // A view reading another view: a dump must create them in dependency order.
  r.push_back(
      "CREATE VIEW civicrm_view_contact_primary_email AS"
      " SELECT c.id AS contact_id, c.display_name, c.sort_name, e.email"
      " FROM civicrm_contact c LEFT JOIN civicrm_email e ON e.contact_id = c.id AND e.is_primary = 1"
      " WHERE c.is_deleted = 0");
  r.push_back(
      "CREATE VIEW civicrm_view_mailing_list AS"
      " SELECT v.contact_id, v.display_name, v.email FROM civicrm_view_contact_primary_email v"
      " WHERE v.email IS NOT NULL");
  r.push_back(
      "CREATE VIEW civicrm_view_contribution_totals AS"
      " SELECT contact_id, COUNT(*) AS contributions, SUM(total_amount) AS total"
      " FROM civicrm_contribution WHERE is_test = 0 GROUP BY contact_id");
  return r;
}

std::vector<std::string> civicrm_logging_trigger_statements(const std::string& logging_db,
                                                            const std::vector<std::string>& extra_columns) {
  std::vector<std::string> columns = {"id",         "contact_type", "display_name", "sort_name",
                                      "first_name", "last_name",    "is_deleted"};
  columns.insert(columns.end(), extra_columns.begin(), extra_columns.end());
  std::vector<std::string> r;
  for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
    const std::string row = event[0] == 'D' ? "OLD" : "NEW";
    std::string name = event;
    for (char& c : name) c = static_cast<char>(c - 'A' + 'a');
    std::string action = event[0] == 'I' ? "Insert" : event[0] == 'U' ? "Update" : "Delete";
    std::string list, values;
    for (const std::string& column : columns) {
      list += quote_name(column) + ", ";
      values += row + "." + quote_name(column) + ", ";
    }
    // As CiviCRM writes them: the logging database by name, skipped while
    // @civicrm_disable_logging is set.
    r.push_back("CREATE TRIGGER civicrm_contact_after_" + name + " AFTER " + event +
                " ON civicrm_contact FOR EACH ROW BEGIN\n"
                "IF ( @civicrm_disable_logging IS NULL OR @civicrm_disable_logging = 0 ) THEN\n"
                "INSERT INTO " +
                quote_name(logging_db) + ".log_civicrm_contact (" + list +
                "log_conn_id, log_user_id, log_action) VALUES (" + values + "@uniqueID, @civicrm_user_id, '" + action +
                "');\nEND IF;\nEND");
  }
  return r;
}

}  // namespace civiup::testbed
