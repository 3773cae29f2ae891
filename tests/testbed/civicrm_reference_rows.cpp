// CiviCRM's fixed rows: the domain (with `version`) and its organization,
// option values, countries, types and statuses, events, groups, tags, and the
// rows holding the values a dump must carry exactly (every byte value, NULL
// next to '', JSON, \x01-separated lists, 4-byte characters).
#include <string>

#include <fmt/format.h>

#include "testbed/civicrm_schema.hpp"

namespace civiup::testbed {
namespace {

std::string hex_of_every_byte() {
  std::string hex;
  for (int b = 0; b < 256; ++b) hex += fmt::format("{:02X}", b);
  return hex;
}

}  // namespace

void insert_civicrm_reference_rows(SqlSession& session, const std::string& version) {
  // Contact 1 is the domain's organization, as the installer creates it.
  session.run(
      "INSERT INTO civicrm_contact (id, contact_type, display_name, organization_name, sort_name, hash, source,"
      " created_date, modified_date) VALUES (1, 'Organization', 'Default Organization', 'Default Organization',"
      " 'Default Organization', '3c1b0a5e9f1d2c4b8a7e6d5c4b3a2918', NULL, '2020-01-01 00:00:00', '2020-01-01 "
      "00:00:00')");
  session.run(fmt::format(
      "INSERT INTO civicrm_domain (id, name, description, version, contact_id, locales, locale_custom_strings)"
      " VALUES (1, 'Default Domain Name', NULL, {}, 1, NULL, 'a:1:{{s:5:\"en_US\";a:0:{{}}}}')",
      quote_text(version)));

  session.run(
      "INSERT INTO civicrm_option_group (id, name, title, data_type, is_reserved, is_active, is_locked) VALUES"
      " (1, 'gender', 'Gender', 'Integer', 1, 1, 0), (2, 'individual_prefix', 'Individual contact prefixes', NULL, 1, "
      "1, 0),"
      " (3, 'activity_type', 'Activity Type', 'Integer', 1, 1, 0), (4, 'activity_status', 'Activity Status', "
      "'Integer', 1, 1, 0),"
      " (5, 'payment_instrument', 'Payment Methods', 'Integer', 1, 1, 0), (6, 'contribution_status', 'Contribution "
      "Status', NULL, 1, 1, 1),"
      " (7, 'participant_role', 'Participant Role', 'Integer', 1, 1, 0), (8, 'event_type', 'Event Type', 'Integer', 1, "
      "1, 0),"
      " (9, 'phone_type', 'Phone Type', NULL, 1, 1, 0), (10, 'website_type', 'Website Type', NULL, 1, 1, 0),"
      " (11, 'languages', 'Languages', NULL, 1, 1, 0)");
  session.run(
      "INSERT INTO civicrm_option_value (option_group_id, label, value, name, weight, is_default, is_reserved, icon) "
      "VALUES"
      " (1, 'Female', '1', 'Female', 1, 0, 0, NULL), (1, 'Male', '2', 'Male', 2, 0, 0, NULL), (1, 'Other', '3', "
      "'Other', 3, 0, 0, NULL),"
      " (2, 'Mrs.', '1', 'Mrs.', 1, 0, 0, NULL), (2, 'Ms.', '2', 'Ms.', 2, 0, 0, NULL), (2, 'Mr.', '3', 'Mr.', 3, 0, "
      "0, NULL),"
      " (2, 'Dr.', '4', 'Dr.', 4, 0, 0, NULL),"
      " (3, 'Meeting', '1', 'Meeting', 1, 0, 1, 'fa-slideshare'), (3, 'Phone Call', '2', 'Phone Call', 2, 0, 1, "
      "'fa-phone'),"
      " (3, 'Email', '3', 'Email', 3, 0, 1, 'fa-envelope-o'), (3, 'Outbound SMS', '4', 'SMS', 4, 0, 1, 'fa-mobile'),"
      " (3, 'Event Registration', '5', 'Event Registration', 5, 0, 1, NULL), (3, 'Contribution', '6', 'Contribution', "
      "6, 0, 1, NULL),"
      " (3, 'Membership Signup', '7', 'Membership Signup', 7, 0, 1, NULL), (3, 'Follow up', '8', 'Follow up', 8, 0, 1, "
      "NULL),"
      " (4, 'Scheduled', '1', 'Scheduled', 1, 1, 1, NULL), (4, 'Completed', '2', 'Completed', 2, 0, 1, NULL),"
      " (4, 'Cancelled', '3', 'Cancelled', 3, 0, 1, NULL),"
      " (5, 'Credit Card', '1', 'Credit Card', 1, 0, 1, NULL), (5, 'Debit Card', '2', 'Debit Card', 2, 0, 1, NULL),"
      " (5, 'Cash', '3', 'Cash', 3, 0, 1, NULL), (5, 'Check', '4', 'Check', 4, 0, 1, NULL), (5, 'EFT', '5', 'EFT', 5, "
      "0, 1, NULL),"
      " (6, 'Completed', '1', 'Completed', 1, 0, 1, NULL), (6, 'Pending', '2', 'Pending', 2, 0, 1, NULL),"
      " (6, 'Cancelled', '3', 'Cancelled', 3, 0, 1, NULL), (6, 'Failed', '4', 'Failed', 4, 0, 1, NULL),"
      " (7, 'Attendee', '1', 'Attendee', 1, 0, 0, NULL), (7, 'Volunteer', '2', 'Volunteer', 2, 0, 0, NULL),"
      " (7, 'Host', '3', 'Host', 3, 0, 0, NULL), (7, 'Speaker', '4', 'Speaker', 4, 0, 0, NULL),"
      " (8, 'Conference', '1', 'Conference', 1, 0, 0, NULL), (8, 'Exhibition', '2', 'Exhibition', 2, 0, 0, NULL),"
      " (8, 'Fundraiser', '3', 'Fundraiser', 3, 0, 0, NULL), (8, 'Workshop', '4', 'Workshop', 4, 0, 0, NULL),"
      " (9, 'Phone', '1', 'Phone', 1, 0, 0, NULL), (9, 'Mobile', '2', 'Mobile', 2, 0, 0, NULL), (9, 'Fax', '3', 'Fax', "
      "3, 0, 0, NULL),"
      " (10, 'Work', '1', 'Work', 1, 0, 0, NULL), (10, 'Mastodon', '2', 'Mastodon', 2, 0, 0, NULL),"
      " (11, 'English (United States)', 'en_US', 'en', 1, 1, 0, NULL), (11, 'Français (France)', 'fr_FR', 'fr', 2, 0, "
      "0, NULL),"
      " (11, '日本語', 'ja_JP', 'ja', 3, 0, 0, NULL), (11, 'Emoji 🏳️‍🌈 test', 'zz_ZZ', NULL, 4, 0, 0, "
      "'')");

  // CiviCRM's own country and state ids.
  session.run(
      "INSERT INTO civicrm_country (id, name, iso_code, country_code, idd_prefix, ndd_prefix, region_id, "
      "is_province_abbreviated) VALUES"
      " (1228, 'United States', 'US', '1', '011', '1', 2, 1), (1039, 'Canada', 'CA', '1', '011', '1', 2, 1),"
      " (1226, 'United Kingdom', 'GB', '44', '00', '0', 1, 0), (1082, 'Germany', 'DE', '49', '00', '0', 1, 0),"
      " (1076, 'France', 'FR', '33', '00', '0', 1, 0), (1107, 'Japan', 'JP', '81', '010', '0', 4, 0),"
      " (1029, 'Brazil', 'BR', '55', '00', '0', 3, 0), (1172, 'Poland', 'PL', '48', '00', NULL, 1, 0),"
      " (1205, 'Switzerland', 'CH', '41', '00', '0', 1, 0), (1154, 'Nigeria', 'NG', '234', '009', '0', 5, 0),"
      " (1056, 'Côte d’Ivoire', 'CI', '225', '00', '', 5, 0), (1100, 'Iceland', 'IS', '354', '00', '', 1, 0)");
  session.run(
      "INSERT INTO civicrm_state_province (id, name, abbreviation, country_id) VALUES"
      " (1004, 'California', 'CA', 1228), (1031, 'New York', 'NY', 1228), (1036, 'Oregon', 'OR', 1228),"
      " (1046, 'Vermont', 'VT', 1228), (1043, 'Texas', 'TX', 1228), (1108, 'Québec', 'QC', 1039),"
      " (2236, 'Bayern', 'BY', 1082), (5217, 'Zürich', 'ZH', 1205)");
  session.run(
      "INSERT INTO civicrm_location_type (id, name, display_name, vcard_name, description, is_reserved, is_active, "
      "is_default) VALUES"
      " (1, 'Home', 'Home', 'HOME', 'Place of residence', 0, 1, 1), (2, 'Work', 'Work', 'WORK', 'Work location', 0, 1, "
      "0),"
      " (3, 'Main', 'Main', NULL, 'Main office location', 0, 1, 0), (4, 'Other', 'Other', NULL, 'Other location', 0, "
      "1, 0),"
      " (5, 'Billing', 'Billing', NULL, 'Billing Address location', 1, 1, 0)");
  session.run(
      "INSERT INTO civicrm_relationship_type (id, name_a_b, label_a_b, name_b_a, label_b_a, contact_type_a, "
      "contact_type_b, is_reserved) VALUES"
      " (1, 'Child of', 'Child of', 'Parent of', 'Parent of', 'Individual', 'Individual', 0),"
      " (2, 'Spouse of', 'Spouse of', 'Spouse of ', 'Spouse of', 'Individual', 'Individual', 0),"
      " (3, 'Sibling of', 'Sibling of', 'Sibling of ', 'Sibling of', 'Individual', 'Individual', 0),"
      " (4, 'Household Member of', 'Household Member of', 'Household Member is', 'Household Member is', 'Individual', "
      "'Household', 0),"
      " (5, 'Employee of', 'Employee of', 'Employer of', 'Employer of', 'Individual', 'Organization', 1)");
  session.run(
      "INSERT INTO civicrm_campaign (id, name, title, description, start_date, end_date, campaign_type_id, status_id, "
      "created_id,"
      " created_date, goal_revenue) VALUES"
      " (1, 'spring_appeal', 'Spring appeal', '<p>Spring 🌱 appeal</p>', '2023-03-01 00:00:00', '2023-05-31 23:59:59', "
      "1, 2, 1, '2023-02-01 09:00:00', 50000.00),"
      " (2, 'gala_2023', 'Gala 2023', NULL, '2023-09-01 00:00:00', NULL, 2, 2, 1, '2023-06-01 09:00:00', 125000.50),"
      " (3, 'year_end', 'Year-end giving', '', '2023-11-15 00:00:00', '2023-12-31 23:59:59', 1, 1, 1, '2023-10-01 "
      "09:00:00', NULL),"
      " (4, 'members_drive', 'Members drive', 'Bring a friend', '2024-01-01 00:00:00', NULL, 3, 1, 1, '2023-12-01 "
      "09:00:00', 0.00),"
      " (5, 'petition_rivers', 'Clean rivers petition', 'Sign 🖊️', '2024-02-01 00:00:00', NULL, 4, 1, NULL, NULL, "
      "NULL)");
  session.run(
      "INSERT INTO civicrm_financial_type (id, name, description, is_deductible, is_reserved, is_active) VALUES"
      " (1, 'Donation', NULL, 1, 0, 1), (2, 'Member Dues', NULL, 1, 0, 1), (3, 'Campaign Contribution', '', 0, 0, 1),"
      " (4, 'Event Fee', 'Fees for events', 0, 0, 1)");
  session.run(
      "INSERT INTO civicrm_membership_type (id, domain_id, name, description, member_of_contact_id, financial_type_id, "
      "minimum_fee,"
      " duration_unit, duration_interval, period_type) VALUES"
      " (1, 1, 'General', 'Regular annual membership.', 1, 2, 100.000000000, 'year', 1, 'rolling'),"
      " (2, 1, 'Student', 'Discount membership for full-time students.', 1, 2, 50.000000000, 'year', 1, 'rolling'),"
      " (3, 1, 'Lifetime', 'Lifetime membership.', 1, 2, 1200.000000000, 'lifetime', 1, 'rolling')");
  session.run(
      "INSERT INTO civicrm_membership_status (id, name, label, start_event, end_event, is_current_member, is_admin, "
      "weight, is_default,"
      " is_reserved) VALUES (1, 'New', 'New', 'join_date', 'join_date', 1, 0, 1, 0, 0),"
      " (2, 'Current', 'Current', 'start_date', 'end_date', 1, 0, 2, 1, 0), (3, 'Grace', 'Grace', 'end_date', "
      "'end_date', 1, 0, 3, 0, 0),"
      " (4, 'Expired', 'Expired', 'end_date', NULL, 0, 0, 4, 0, 0)");
  session.run(
      "INSERT INTO civicrm_event (id, title, summary, description, event_type_id, start_date, end_date, "
      "is_online_registration,"
      " max_participants, is_monetary, financial_type_id, is_active, created_id, created_date, currency, campaign_id)"
      " SELECT seq, CONCAT(ELT(1 + seq % 4, 'Annual conference', 'Art exhibition', 'Fundraising dinner', 'Workshop'), "
      "' ', 2014 + seq),"
      " IF(seq % 2 = 0, NULL, CONCAT('Summary ', seq, ' — join us 🎟️')), CONCAT('<p>Event ', seq, '</p>'), 1 + "
      "seq % 4,"
      " '2014-06-01 18:00:00' + INTERVAL seq YEAR, '2014-06-01 22:30:00' + INTERVAL seq YEAR, seq % 3 <> 0,"
      " IF(seq % 2 = 0, 100 * seq, NULL), seq % 2, 4, 1, 1, '2014-01-01 10:00:00' + INTERVAL seq YEAR, 'USD', IF(seq % "
      "3 = 0, 2, NULL)"
      " FROM seq_1_to_10");
  session.run(
      "INSERT INTO civicrm_participant_status_type (id, name, label, class, is_reserved, is_active, is_counted, "
      "weight, visibility_id) VALUES"
      " (1, 'Registered', 'Registered', 'Positive', 1, 1, 1, 1, 1), (2, 'Attended', 'Attended', 'Positive', 0, 1, 1, "
      "2, 2),"
      " (3, 'No-show', 'No-show', 'Negative', 0, 1, 0, 3, 2), (4, 'Cancelled', 'Cancelled', 'Negative', 1, 1, 0, 4, "
      "2)");
  session.run(
      "INSERT INTO civicrm_saved_search (id, name, label, form_values, api_entity, api_params, created_id, "
      "description) VALUES"
      " (1, 'Major_donors', 'Major donors', NULL, 'Contact',"
      " '{\"version\":4,\"select\":[\"id\",\"display_name\"],\"where\":[[\"contribution.total_amount\",\">\",1000]]}', "
      "1, NULL),"
      " (2, 'Volunteers', 'Volunteers 🙋', 'a:1:{s:8:\"group_id\";i:3;}', NULL, NULL, NULL, '')");
  session.run(
      "INSERT INTO civicrm_search_display (id, name, label, saved_search_id, type, settings, acl_bypass) VALUES"
      " (1, 'Major_donors_Table', 'Major donors table', 1, 'table',"
      " '{\"limit\":50,\"sort\":[[\"sort_name\",\"ASC\"]],\"columns\":[{\"type\":\"field\",\"key\":\"display_name\","
      "\"label\":\"Name ✓\"}],"
      "\"pager\":{\"show_count\":true},\"classes\":[\"table\",\"table-striped\"]}', 0),"
      " (2, 'Volunteers_List', 'Volunteers list', 2, 'list', NULL, 0)");
  session.run(
      "INSERT INTO civicrm_group (id, name, title, description, source, saved_search_id, is_active, visibility, "
      "where_clause,"
      " group_type, parents, children, is_hidden, is_reserved, created_id, frontend_title) VALUES"
      " (1, 'Administrators', 'Administrators', 'Contacts in this group are assigned Administrator role permissions.', "
      "NULL, NULL, 1,"
      " 'User and User Admin Only', NULL, REPLACE('~1~', '~', CHAR(1 USING utf8mb4)), NULL, NULL, 0, 0, 1, "
      "'Administrators'),"
      " (2, 'Newsletter_Subscribers', 'Newsletter Subscribers', '', NULL, NULL, 1, 'Public Pages', NULL, "
      "REPLACE('~2~', '~', CHAR(1 USING utf8mb4)), NULL, NULL, 0, 0,"
      " 1, 'Newsletter Subscribers'),"
      " (3, 'Volunteers', 'Volunteers', NULL, 'import', NULL, 1, 'User and User Admin Only', NULL, REPLACE('~2~', '~', "
      "CHAR(1 USING utf8mb4)), NULL, '4', 0, 0, NULL,"
      " 'Volunteers'),"
      " (4, 'Volunteers_Berlin', 'Volunteers — Berlin', NULL, NULL, NULL, 1, 'User and User Admin Only', NULL, NULL, "
      "'3', NULL, 0, 0,"
      " NULL, 'Volunteers in Berlin'),"
      " (5, 'Major_Donors', 'Major donors (smart) 💰', NULL, NULL, 1, 1, 'User and User Admin Only',"
      " ' ( `civicrm_group_contact_cache_5`.group_id IN (\"5\") ) ', REPLACE('~1~2~', '~', CHAR(1 USING utf8mb4)), "
      "NULL, NULL, 0, 0, 1, 'Major donors')");
  session.run(
      "INSERT INTO civicrm_tag (id, name, label, description, parent_id, is_selectable, is_reserved, is_tagset, "
      "used_for, created_id,"
      " color, created_date) VALUES"
      " (1, 'Non-profit', 'Non-profit', 'Any not-for-profit organization.', NULL, 1, 0, 0, 'civicrm_contact', NULL, "
      "'#0bcb21', '2020-01-01 00:00:00'),"
      " (2, 'Company', 'Company', 'For-profit organization.', NULL, 1, 0, 0, 'civicrm_contact', NULL, '#2260c3', NULL),"
      " (3, 'Government Entity', 'Government Entity', NULL, NULL, 1, 0, 0, 'civicrm_contact', NULL, NULL, NULL),"
      " (4, 'Major Donor', 'Major Donor', 'High-value supporter of our organization.', NULL, 1, 0, 0, "
      "'civicrm_contact', NULL, '#c70000', NULL),"
      " (5, 'Volunteer', 'Volunteer', '', NULL, 1, 0, 0, 'civicrm_contact,civicrm_activity', 1, '', NULL),"
      " (6, 'Board 🧑‍⚖️', 'Board 🧑‍⚖️', 'Board members', NULL, 1, 1, 0, 'civicrm_contact', 1, NULL, "
      "NULL),"
      " (7, 'Interests', 'Interests', 'Tag set', NULL, 0, 0, 1, 'civicrm_contact', NULL, NULL, NULL),"
      " (8, 'Rivers', 'Rivers', NULL, 7, 1, 0, 0, 'civicrm_contact', NULL, NULL, NULL)");

  // Every byte value 0..255 in a MEDIUMBLOB and a VARBINARY; NULL next to ''.
  const std::string every_byte = hex_of_every_byte();
  session.run(fmt::format(
      "INSERT INTO civicrm_file (id, file_type_id, mime_type, uri, document, description, upload_date, created_id, "
      "checksum) VALUES"
      " (1, NULL, 'application/octet-stream', 'every_byte_value.bin', UNHEX('{0}'), 'every byte value 0..255', "
      "'2023-01-02 03:04:05', 1, UNHEX('{0}')),"
      " (2, NULL, 'text/plain', 'empty.txt', '', '', '2023-01-02 03:04:06', NULL, NULL),"
      " (3, NULL, 'text/plain', 'missing.txt', NULL, NULL, NULL, NULL, ''),"
      " (4, 1, 'image/png', 'logo_4e8f.png', UNHEX('89504E470D0A1A0A0000000D4948445200000001000000010806000000'), "
      "'logo', '2023-01-02 03:04:07', 1,"
      " UNHEX(SHA2('logo', 256)))",
      every_byte));
  session.run(
      "INSERT INTO civicrm_entity_file (entity_table, entity_id, file_id) VALUES ('civicrm_contact', 1, 1), "
      "('civicrm_contact', 1, 4),"
      " ('civicrm_activity', 3, 2), ('civicrm_note', 1, 3)");
  session.run(
      "INSERT INTO civicrm_setting (name, value, domain_id, contact_id, is_domain, component_id, created_date, "
      "created_id) VALUES"
      " ('enable_components', "
      "'a:4:{i:0;s:9:\"CiviEvent\";i:1;s:14:\"CiviContribute\";i:2;s:10:\"CiviMember\";i:3;s:12:\"CiviCampaign\";}', "
      "1, NULL, 1, NULL, NULL, NULL),"
      " ('installed', 'b:1;', 1, NULL, 1, NULL, NULL, NULL),"
      " ('lcMessages', 's:5:\"en_US\";', 1, NULL, 1, NULL, NULL, NULL),"
      " ('defaultCurrency', 's:3:\"USD\";', 1, NULL, 1, NULL, NULL, NULL),"
      " ('mailing_backend', NULL, 1, NULL, 1, NULL, NULL, NULL),"
      " ('resourceBase', '', 1, NULL, 1, NULL, NULL, NULL),"
      " ('navigation', 's:10:\"abc👍def\";', 1, 1, 0, NULL, NULL, 1)");
  // CiviCRM stores option lists \x01-separated, inside PHP serialize().
  session.run(
      "INSERT INTO civicrm_setting (name, value, domain_id, contact_id, is_domain, created_date, created_id)"
      " SELECT 'contact_view_options', CONCAT('s:', LENGTH(v), ':\"', v, '\";'), 1, NULL, 1, '2020-01-01 00:00:00', 1"
      " FROM (SELECT REPLACE('~1~2~3~4~5~6~7~8~9~10~11~13~', '~', CHAR(1 USING utf8mb4)) AS v) x");
  session.run(
      "INSERT INTO civicrm_extension (type, full_name, name, label, file, schema_version, is_active) VALUES"
      " ('module', 'org.civicrm.search_kit', 'search_kit', 'SearchKit', 'search_kit', '5.74.0', 1),"
      " ('module', 'org.civicrm.afform', 'afform', 'FormBuilder', 'afform', NULL, 1),"
      " ('module', 'authx', 'authx', 'AuthX', 'authx', '', 1),"
      " ('module', 'org.civicrm.flexmailer', 'flexmailer', 'FlexMailer', 'flexmailer', NULL, 1),"
      " ('module', 'uk.co.vedaconsulting.mosaico', 'mosaico', 'Mosaico', 'mosaico', '4704', 0)");
  session.run(
      "INSERT INTO civicrm_job (id, domain_id, run_frequency, last_run, name, description, api_entity, api_action, "
      "parameters, is_active) VALUES"
      " (1, 1, 'Always', '2024-05-01 12:00:00', 'CiviCRM Update Check', 'Checks for version updates.', 'Job', "
      "'version_check', NULL, 1),"
      " (2, 1, 'Hourly', NULL, 'Send Scheduled Mailings', NULL, 'Job', 'process_mailing', '', 1),"
      " (3, 1, 'Daily', '2024-05-01 00:00:00', 'Update Membership Statuses', NULL, 'Job', 'process_membership', "
      "'is_test=0', 1)");
  session.run(
      "INSERT INTO civicrm_job_log (domain_id, run_time, job_id, name, command, description, data)"
      " SELECT 1, '2024-04-01 00:00:00' + INTERVAL seq HOUR, 1 + seq % 3, 'CiviCRM Update Check', 'Job.version_check',"
      " 'Finished execution of CiviCRM Update Check with result: Success', IF(seq % 5 = 0, NULL, REPEAT('ok ', seq % "
      "40))"
      " FROM seq_1_to_200");
  session.run(
      "INSERT INTO civicrm_queue_item (queue_name, weight, submit_time, release_time, run_count, data)"
      " SELECT 'civicrm_upgrade', seq, '2024-05-01 00:00:00', NULL, 0,"
      " CONCAT('O:13:\"CRM_Queue_Task\":3:{s:8:\"callback\";a:2:{i:0;s:31:\"CRM_Upgrade_Incremental_Base\";i:1;s:8:"
      "\"runSql\";}"
      "s:9:\"arguments\";a:1:{i:0;s:4:\"', 5000 + seq, '\";}s:5:\"title\";s:12:\"Upgrade step\";}')"
      " FROM seq_1_to_20");
  session.run(
      "INSERT INTO civicrm_cache (group_name, path, data, component_id, created_date, expired_date) VALUES"
      " ('navigation', 'navigation_1_en_US', 'a:1:{s:4:\"menu\";s:7:\"<ul/> ✓\";}', NULL, '2024-05-01 00:00:00', "
      "'2024-05-02 00:00:00'),"
      " ('contact fields', 'importableFields', 'a:0:{}', NULL, '2024-05-01 00:00:00', NULL),"
      " ('metadata', 'CRM_Core_DAO_AllCoreTables', NULL, NULL, NULL, NULL),"
      " ('js_strings', 'en_US', '', NULL, '2024-05-01 00:00:00', NULL)");
  session.run(
      "INSERT INTO civicrm_system_log (message, context, level, timestamp, contact_id, hostname) VALUES"
      " ('civicrm.upgrade: 5.73.0 -> 5.74.0', '{\"from\":\"5.73.0\",\"to\":\"5.74.0\"}', 'info', '2024-05-01 "
      "10:00:00', 1, 'web1'),"
      " ('payment failed ⚠️', NULL, 'error', '2024-05-02 11:00:00', NULL, NULL),"
      " ('', '', 'debug', '2024-05-03 12:00:00', NULL, '')");
  session.run(
      "INSERT INTO civicrm_prevnext_cache (entity_table, entity_id1, entity_id2, cachekey, data, is_selected) VALUES"
      " ('civicrm_contact', 1, 1, 'civicrm search CRM_Contact_Controller_Search_abc123', 'Default Organization', 0),"
      " ('civicrm_contact', 1, NULL, 'civicrm search CRM_Contact_Controller_Search_abc123', NULL, 1)");
}

}  // namespace civiup::testbed
