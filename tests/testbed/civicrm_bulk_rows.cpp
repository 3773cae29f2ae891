// CiviCRM's bulk rows, made on the server from MariaDB's Sequence engine:
// every statement is INSERT ... SELECT FROM seq_<first>_to_<last>, so no row
// crosses the client connection.  Ids are derived from the contact id so
// tables can reference each other without reading anything back.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "testbed/civicrm_schema.hpp"

namespace civiup::testbed {
namespace {

// ELT(1 + (expr) % n, 'a', 'b', ...): picks one of `words` on the server.
std::string pick(const std::string& expr, const std::vector<std::string>& words) {
  std::string out = fmt::format("ELT(1 + ({}) % {}", expr, words.size());
  for (const std::string& word : words) out += ", " + quote_text(word);
  return out + ")";
}

// Names with accents, other scripts, 4-byte characters (emoji, Fraktur) and a quote.
const std::vector<std::string> kFirstNames = {"Anna",   "Ben",     "Zoë",    "Łukasz", "José",   "Mei 梅",   "Olúmìdé",
                                              "Søren",  "Ahmed",   "Priya",  "Chloé",  "Dmitri", "Aiyana 🌻", "Kwame",
                                              "Ingrid", "Hiroshi", "Fatima", "Liam",   "Noa",    "Émile"};
const std::vector<std::string> kLastNames = {
    "Smith",  "García", "Müller", "Nguyễn", "Kowalski", "O'Brien", "Ødegaard", "Tanaka",  "Okafor",  "Björk",
    "Dubois", "Rossi",  "Cohen",  "Silva",  "Kim",      "Patel",   "Jones 🎸",  "𝔉raktur", "Ivanova", "Schmidt"};
const std::vector<std::string> kMailNames = {"anna",   "ben",     "zoe",    "lukasz", "jose",   "mei",    "olumide",
                                             "soren",  "ahmed",   "priya",  "chloe",  "dmitri", "aiyana", "kwame",
                                             "ingrid", "hiroshi", "fatima", "liam",   "noa",    "emile"};
const std::vector<std::string> kCities = {"Springfield", "Zürich",    "São Paulo", "Kraków", "東京", "Montréal",
                                          "Lagos",       "Reykjavík", "Portland",  "Aarhus", "Köln", "Oaxaca"};
const std::vector<std::string> kStreets = {"Main",   "Oak",  "Maple",   "Schiller", "Rue de la Paix", "High",
                                           "Church", "Mill", "Station", "Park",     "Lindenallee",    "Elm"};
const std::vector<std::string> kSentences = {"Called to thank them for their continued support.",
                                             "Discussed the autumn fundraising campaign and the gala 🎉.",
                                             "Left a voicemail; will try again next week.",
                                             "Sent the annual report and the membership renewal form.",
                                             "Met at the café — very interested in volunteering ☕.",
                                             "Asked about Gift Aid and the tax receipt for 2023.",
                                             "Prefers contact by e-mail, not by phone.",
                                             "Registered for the workshop \"Data & Privacy\" on short notice.",
                                             "Follow-up: send the brochure (Français and Español).",
                                             "Noted dietary needs: vegan, no nuts 🥜.",
                                             "Updated the mailing address after the move to 東京.",
                                             "Renewal reminder bounced; checking the address with the office."};

// The contact-derived expressions shared by several statements.
std::string first_name_of(const std::string& seq) { return pick(seq, kFirstNames); }
// Mixed so that even a 50-contact database holds every last name.
std::string last_name_of(const std::string& seq) { return pick(seq + " DIV 20 + 7 * " + seq, kLastNames); }

// Replaces $S by the sequence table and $N by the contact count.
std::string expand(std::string sql, uint64_t first, uint64_t last, uint64_t contacts) {
  const std::string range = fmt::format("seq_{}_to_{}", first, last);
  for (size_t at = sql.find("$S"); at != std::string::npos; at = sql.find("$S", at)) sql.replace(at, 2, range);
  const std::string count = std::to_string(contacts);
  for (size_t at = sql.find("$N"); at != std::string::npos; at = sql.find("$N", at)) sql.replace(at, 2, count);
  return sql;
}

}  // namespace

CiviCrmBulkStatements civicrm_bulk_statements(uint64_t first, uint64_t last, uint64_t contacts) {
  const std::string fn = first_name_of("seq");
  const std::string ln = last_name_of("seq");
  CiviCrmBulkStatements lanes;
  auto contact_lane = [&](const std::string& sql) { lanes.contact_lane.push_back(expand(sql, first, last, contacts)); };
  auto activity_lane = [&](const std::string& sql) {
    lanes.activity_lane.push_back(expand(sql, first, last, contacts));
  };

  // Contacts: every 10th an organization (the employer of the nine after it),
  // some households; NULL, '' and text side by side in optional columns.
  contact_lane(
      "INSERT INTO civicrm_contact (id, contact_type, external_identifier, display_name, organization_name, first_name,"
      " middle_name, last_name, do_not_email, do_not_phone, is_opt_out, sort_name, nick_name, preferred_language, "
      "hash, source,"
      " prefix_id, gender_id, job_title, birth_date, household_name, employer_id, is_deleted, created_date, "
      "modified_date)"
      " SELECT seq, kind, IF(seq % 4 = 0, CONCAT('EXT-', seq), NULL),"
      " CASE kind WHEN 'Organization' THEN CONCAT(ln, ' ', org) WHEN 'Household' THEN CONCAT(ln, ' family') ELSE "
      "CONCAT(fn, ' ', ln) END,"
      " IF(kind = 'Organization', CONCAT(ln, ' ', org), NULL), IF(kind = 'Individual', fn, NULL),"
      " CASE seq % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE CONCAT(CHAR(65 + seq % 26 USING utf8mb4), '.') END, IF(kind "
      "= 'Individual', ln, NULL),"
      " seq % 7 = 0, seq % 11 = 0, seq % 13 = 0,"
      " CASE kind WHEN 'Organization' THEN CONCAT(ln, ' ', org) WHEN 'Household' THEN CONCAT(ln, ' family') ELSE "
      "CONCAT(ln, ', ', fn) END,"
      " CASE seq % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE fn END, IF(seq % 5 = 0, 'fr_FR', 'en_US'), MD5(seq), "
      "'testbed',"
      " IF(kind = 'Individual', 1 + seq % 4, NULL), IF(kind = 'Individual', 1 + seq % 3, NULL),"
      " IF(kind = 'Individual', " +
      pick("seq", {"Volunteer coordinator", "Treasurer", "", "Engineer", "Teacher", "Nurse"}) +
      ", NULL),"
      " IF(kind = 'Individual', '1940-01-01' + INTERVAL seq % 25000 DAY, NULL), IF(kind = 'Household', CONCAT(ln, ' "
      "family'), NULL),"
      " IF(kind = 'Individual' AND seq >= 10, seq - seq % 10, NULL), seq % 101 = 0,"
      " '2020-01-01 00:00:00' + INTERVAL seq % 100000 MINUTE, '2023-01-01 00:00:00' + INTERVAL seq % 500000 SECOND"
      " FROM (SELECT seq, " +
      fn + " AS fn, " + ln +
      " AS ln,"
      " " +
      pick("seq DIV 10", {"Foundation", "Trust", "Society", "Cooperative", "Association"}) +
      " AS org,"
      " CASE WHEN seq % 10 = 0 THEN 'Organization' WHEN seq % 50 = 5 THEN 'Household' ELSE 'Individual' END AS kind"
      " FROM $S) c");

  // Two emails, one phone, one address each; ids of phone and address = contact id.
  contact_lane(
      "INSERT INTO civicrm_email (contact_id, location_type_id, email, is_primary, is_billing, on_hold, is_bulkmail, "
      "hold_date,"
      " signature_text) SELECT s.seq, k.seq, CONCAT(" +
      pick("s.seq", kMailNames) +
      ", '.', s.seq,"
      " IF(k.seq = 1, '@example.org', '@mail.example.net')), k.seq = 1, k.seq = 2 AND s.seq % 3 = 0, s.seq % 97 = 0, 0,"
      " IF(s.seq % 97 = 0, '2023-03-01 10:00:00', NULL), CASE WHEN k.seq = 1 THEN NULL WHEN s.seq % 2 = 0 THEN ''"
      " ELSE CONCAT('-- \\n', s.seq) END FROM $S s JOIN seq_1_to_2 k");
  contact_lane(
      "INSERT INTO civicrm_phone (id, contact_id, location_type_id, is_primary, phone, phone_ext, phone_numeric, "
      "phone_type_id)"
      " SELECT seq, seq, 1 + seq % 2, 1, CONCAT('+1 (', 200 + seq % 800, ') 555-', LPAD(seq % 10000, 4, '0')),"
      " CASE seq % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE seq % 1000 END,"
      " CONCAT('1', 200 + seq % 800, '555', LPAD(seq % 10000, 4, '0')), 1 + seq % 3 FROM $S");
  contact_lane(
      "INSERT INTO civicrm_address (id, contact_id, location_type_id, is_primary, is_billing, street_address,"
      " supplemental_address_1, city, state_province_id, postal_code, country_id, geo_code_1, geo_code_2, "
      "manual_geo_code, timezone)"
      " SELECT seq, seq, 1 + seq % 2, 1, seq % 4 = 0, CONCAT(1 + seq % 999, ' ', " +
      pick("seq", kStreets) +
      ", ' ',"
      " " +
      pick("seq DIV 12", {"Street", "Avenue", "Road", "Straße", "Lane"}) +
      "),"
      " CASE seq % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE CONCAT('Apt. ', seq % 50) END, " +
      pick("seq", kCities) +
      ","
      " IF(seq % 12 IN (0, 8), " +
      pick("seq DIV 12", {"1004", "1031", "1036", "1046", "1043"}) +
      ", NULL),"
      " LPAD(seq % 100000, 5, '0'), " +
      pick("seq", {"1228", "1205", "1029", "1172", "1107", "1039", "1154", "1100", "1228", "1076", "1082", "1082"}) +
      ","
      " IF(seq % 5 = 0, NULL, 40 + (seq % 10000) / 10000), IF(seq % 5 = 0, NULL, -120 + (seq % 7777) / 3333), 0,"
      " IF(seq % 6 = 0, 'UTC-5', NULL) FROM $S");
  contact_lane(
      "INSERT INTO civicrm_website (contact_id, url, website_type_id) SELECT seq, CONCAT('https://example.org/~', "
      "seq), 1 + seq % 2"
      " FROM $S WHERE seq % 5 = 0");
  contact_lane(
      "INSERT INTO civicrm_relationship (contact_id_a, contact_id_b, relationship_type_id, start_date, end_date, "
      "is_active,"
      " description, created_date) SELECT seq, seq - seq % 10, 5, '2015-01-01' + INTERVAL seq % 3000 DAY, NULL, 1,"
      " IF(seq % 2 = 0, NULL, ''), '2020-01-01 00:00:00' FROM $S WHERE seq >= 10 AND seq % 10 IN (1, 2, 3)");

  // Two activities per contact (ids 2*seq-1 and 2*seq), with long details text.
  activity_lane(
      "INSERT INTO civicrm_activity (id, source_record_id, activity_type_id, subject, activity_date_time, duration, "
      "location,"
      " details, status_id, priority_id, parent_id, is_test, is_deleted, campaign_id, is_star, created_date, "
      "modified_date)"
      " SELECT 2 * s.seq + k.seq - 2, IF(k.seq = 2, s.seq, NULL), 1 + (s.seq + k.seq) % 8,"
      " CONCAT(" +
      pick("s.seq + k.seq",
           {"Meeting", "Phone call", "Email", "SMS", "Registration", "Thank-you", "Visit", "Follow up"}) +
      ", ' with ', " + first_name_of("s.seq") +
      "), '2021-01-01 00:00:00' + INTERVAL (s.seq * 37 + k.seq * 11) % 1500 DAY"
      " + INTERVAL s.seq % 86400 SECOND, IF(k.seq = 1, 30, NULL), IF(s.seq % 3 = 0, " +
      pick("s.seq", kCities) +
      ", NULL),"
      " CONCAT('<p>', " +
      pick("s.seq * 7 + k.seq", kSentences) + ", ' ', " + pick("s.seq * 3 + k.seq * 5", kSentences) +
      ", '</p><p>',"
      " " +
      pick("s.seq + k.seq * 2", kSentences) + ", ' ', REPEAT(" + pick("s.seq", kSentences) +
      ", 1 + s.seq % 4), '</p>'),"
      " 1 + s.seq % 3, 2, IF(k.seq = 2 AND s.seq % 9 = 0, 2 * s.seq - 1, NULL), 0, s.seq % 101 = 0,"
      " IF(s.seq % 7 = 0, 1 + s.seq % 5, NULL), s.seq % 17 = 0, '2021-01-01 00:00:00' + INTERVAL s.seq % 100000 MINUTE,"
      " '2022-01-01 00:00:00' + INTERVAL s.seq % 100000 MINUTE FROM $S s JOIN seq_1_to_2 k");
  // Record types as CiviCRM's activity_contacts option group: 1 assignee, 2 source, 3 target.
  activity_lane(
      "INSERT INTO civicrm_activity_contact (activity_id, contact_id, record_type_id)"
      " SELECT 2 * s.seq + k.seq - 2, s.seq, 3 FROM $S s JOIN seq_1_to_2 k");
  activity_lane(
      "INSERT INTO civicrm_activity_contact (activity_id, contact_id, record_type_id)"
      " SELECT 2 * s.seq + k.seq - 2, IF(s.seq % 4 = 0, s.seq, 1), 2 FROM $S s JOIN seq_1_to_2 k");
  activity_lane(
      "INSERT INTO civicrm_activity_contact (activity_id, contact_id, record_type_id)"
      " SELECT 2 * seq - 1, 1 + (seq * 13) % $N, 1 FROM $S WHERE seq % 3 = 0");

  // Money: a contribution per contact (id = contact id), memberships, events.
  activity_lane(
      "INSERT INTO civicrm_contribution (id, contact_id, financial_type_id, payment_instrument_id, receive_date,"
      " non_deductible_amount, total_amount, fee_amount, net_amount, tax_amount, trxn_id, invoice_id, invoice_number, "
      "currency,"
      " cancel_date, cancel_reason, receipt_date, thankyou_date, source, amount_level, is_test, is_pay_later,"
      " contribution_status_id, address_id, check_number, campaign_id)"
      " SELECT seq, seq, 1 + seq % 4, 1 + seq % 5, '2019-01-01 00:00:00' + INTERVAL seq % 2000000 MINUTE, 0.00, amount,"
      " ROUND(amount * 0.029 + 0.30, 2), amount - ROUND(amount * 0.029 + 0.30, 2), IF(seq % 5 = 0, ROUND(amount * 0.2, "
      "2), 0),"
      " CONCAT('ch_', MD5(CONCAT('trxn', seq))), MD5(CONCAT('inv', seq)), IF(seq % 2 = 0, CONCAT('INV_', seq), NULL),"
      " " +
      pick("seq", {"USD", "USD", "EUR", "GBP", "JPY", "CHF"}) +
      ","
      " IF(seq % 20 = 0, '2023-06-01 00:00:00', NULL), IF(seq % 20 = 0, 'Card declined ❌', NULL),"
      " IF(seq % 2 = 0, '2019-01-02 00:00:00' + INTERVAL seq % 2000000 MINUTE, NULL), NULL, 'Online Contribution: "
      "Donate now',"
      " CASE seq % 3 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE CONCAT(CHAR(1 USING utf8mb4), 'Gold - 1', CHAR(1 USING "
      "utf8mb4)) END, 0, seq % 9 = 0,"
      " IF(seq % 20 = 0, 3, 1 + (seq % 9 = 0)), seq, IF(seq % 5 = 3, LPAD(seq, 8, '0'), NULL), IF(seq % 7 = 0, 1 + seq "
      "% 5, NULL)"
      " FROM (SELECT seq, ROUND(5 + (seq * 7919 % 100000) / 100, 2) AS amount FROM $S) c");
  activity_lane(
      "INSERT INTO civicrm_membership (id, contact_id, membership_type_id, join_date, start_date, end_date, source, "
      "status_id,"
      " is_override, owner_membership_id, is_test, is_pay_later, campaign_id)"
      " SELECT seq, seq, 1 + seq % 3, '2015-01-01' + INTERVAL seq % 3000 DAY, '2015-01-01' + INTERVAL seq % 3000 DAY,"
      " IF(seq % 3 = 2, NULL, '2016-01-01' + INTERVAL seq % 3000 DAY), IF(seq % 2 = 0, 'Online signup', NULL), 1 + seq "
      "% 4,"
      " seq % 50 = 0, NULL, 0, 0, IF(seq % 7 = 0, 4, NULL) FROM $S WHERE seq % 3 = 0");
  activity_lane(
      "INSERT INTO civicrm_membership_payment (membership_id, contribution_id) SELECT seq, seq FROM $S WHERE seq % 3 = "
      "0");
  // Participants (even contacts); role_id and fee_level use CiviCRM's \x01 separators.
  activity_lane(
      "INSERT INTO civicrm_participant (id, contact_id, event_id, status_id, role_id, register_date, source, "
      "fee_level, is_test,"
      " is_pay_later, fee_amount, registered_by_id, fee_currency, campaign_id, must_wait)"
      " SELECT seq, seq, 1 + seq % 10, 1 + seq % 4, IF(seq % 8 = 0, CONCAT('1', CHAR(1 USING utf8mb4), '2'), '1'),"
      " '2016-01-01 00:00:00' + INTERVAL seq % 5000000 MINUTE, IF(seq % 3 = 0, NULL, 'Online registration'),"
      " IF(seq % 4 = 0, CONCAT(CHAR(1 USING utf8mb4), 'Early bird - 1', CHAR(1 USING utf8mb4)), NULL), 0, seq % 11 = 0,"
      " IF(seq % 4 = 0, ROUND(10 + seq % 90, 2), NULL), IF(seq % 10 = 4, seq - 2, NULL), IF(seq % 4 = 0, 'USD', NULL),"
      " IF(seq % 6 = 0, 2, NULL), NULL FROM $S WHERE seq % 2 = 0");
  activity_lane(
      "INSERT INTO civicrm_participant_payment (participant_id, contribution_id) SELECT seq, seq FROM $S WHERE seq % 4 "
      "= 0");

  // Groups, tags, notes, logs and caches.
  contact_lane(
      "INSERT INTO civicrm_group_contact (group_id, contact_id, status, location_id, email_id)"
      " SELECT 1 + seq % 4, seq, IF(seq % 19 = 0, 'Removed', 'Added'), NULL, NULL FROM $S");
  contact_lane(
      "INSERT INTO civicrm_group_contact_cache (group_id, contact_id) SELECT 5, seq FROM $S WHERE seq % 3 = 0");
  contact_lane(
      "INSERT INTO civicrm_entity_tag (entity_table, entity_id, tag_id) SELECT 'civicrm_contact', seq, 1 + seq % 8 "
      "FROM $S");
  contact_lane(
      "INSERT INTO civicrm_note (entity_table, entity_id, note, contact_id, note_date, created_date, modified_date, "
      "subject, privacy)"
      " SELECT 'civicrm_contact', seq, CONCAT(" +
      pick("seq", kSentences) + ", ' ', " + pick("seq DIV 3", kSentences) +
      ", ' ',"
      " " +
      pick("seq DIV 7", kSentences) +
      "), 1, '2022-01-01 00:00:00' + INTERVAL seq % 1000000 MINUTE,"
      " '2022-01-01 00:00:00' + INTERVAL seq % 1000000 MINUTE, '2022-01-01 00:00:00' + INTERVAL seq % 1000000 MINUTE,"
      " IF(seq % 4 = 1, NULL, CONCAT('Note ✎ ', seq)), '0' FROM $S WHERE seq % 2 = 1");
  contact_lane(
      "INSERT INTO civicrm_log (entity_table, entity_id, data, modified_id, modified_date)"
      " SELECT 'civicrm_contact', seq, CONCAT('civicrm_contact,', seq), 1, '2023-01-01 00:00:00' + INTERVAL seq % "
      "500000 SECOND FROM $S");
  contact_lane(
      "INSERT INTO log_civicrm_contact (id, contact_type, display_name, sort_name, first_name, last_name, is_deleted, "
      "log_date,"
      " log_conn_id, log_user_id, log_action)"
      " SELECT c.id, c.contact_type, c.display_name, c.sort_name, c.first_name, c.last_name, c.is_deleted, "
      "c.created_date,"
      " CONCAT('c', HEX(c.id)), 1, 'Insert' FROM civicrm_contact c WHERE c.id BETWEEN " +
      std::to_string(first) + " AND " + std::to_string(last));
  contact_lane(
      "INSERT INTO civicrm_acl_cache (contact_id, acl_id, modified_date) SELECT seq, 1 + seq % 3, '2024-05-01 00:00:00'"
      " FROM $S WHERE seq % 4 = 0");
  // Uploaded files: binary content in the database (every 50th contact).
  contact_lane(
      "INSERT INTO civicrm_file (file_type_id, mime_type, uri, document, description, upload_date, created_id, "
      "checksum)"
      " SELECT NULL, 'application/pdf', CONCAT('receipt_', seq, '.pdf'), REPEAT(UNHEX(SHA2(seq, 512)), 24), NULL,"
      " '2023-01-01 00:00:00' + INTERVAL seq MINUTE, seq, UNHEX(SHA2(seq, 256)) FROM $S WHERE seq % 50 = 0");
  return lanes;
}

}  // namespace civiup::testbed
