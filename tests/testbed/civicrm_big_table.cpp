// The big table the upgrade never touches (SiteSpec::big_table_rows): CiviCRM's
// payment ledger, civicrm_financial_trxn, which on a site that has taken
// payments for years is among its largest tables.  Its rows are made on the
// server from the Sequence engine; create_civicrm_tables loads them.
#include <fmt/format.h>

#include "testbed/civicrm_schema.hpp"

namespace civiup::testbed {
namespace {

// CiviCRM 5.x xml/schema/Financial/FinancialTrxn.xml, all its columns.  Its
// foreign keys reference tables the test bed does not generate
// (civicrm_financial_account, civicrm_payment_processor): their indexes are
// kept under CiviCRM's names, the constraints left out.
constexpr const char* kCreate =
    "CREATE TABLE civicrm_financial_trxn (\n"
    "  id INT UNSIGNED NOT NULL AUTO_INCREMENT,\n"
    "  from_financial_account_id INT UNSIGNED DEFAULT NULL,\n"
    "  to_financial_account_id INT UNSIGNED DEFAULT NULL,\n"
    "  trxn_date DATETIME DEFAULT NULL,\n"
    "  total_amount DECIMAL(20,2) NOT NULL,\n"
    "  fee_amount DECIMAL(20,2) DEFAULT NULL,\n"
    "  net_amount DECIMAL(20,2) DEFAULT NULL,\n"
    "  currency VARCHAR(3) DEFAULT NULL,\n"
    "  is_payment TINYINT NOT NULL DEFAULT 0,\n"
    "  trxn_id VARCHAR(255) DEFAULT NULL,\n"
    "  trxn_result_code VARCHAR(255) DEFAULT NULL,\n"
    "  status_id INT UNSIGNED DEFAULT NULL,\n"
    "  payment_processor_id INT UNSIGNED DEFAULT NULL,\n"
    "  payment_instrument_id INT UNSIGNED DEFAULT NULL,\n"
    "  card_type_id INT UNSIGNED DEFAULT NULL,\n"
    "  check_number VARCHAR(255) DEFAULT NULL,\n"
    "  pan_truncation VARCHAR(4) DEFAULT NULL,\n"
    "  order_reference VARCHAR(255) DEFAULT NULL,\n"
    "  PRIMARY KEY (id)\n"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci ROW_FORMAT=DYNAMIC";

constexpr const char* kKeys =
    "ALTER TABLE civicrm_financial_trxn ADD KEY UI_ftrxn_trxn_id (trxn_id),"
    " ADD KEY UI_ftrxn_payment_instrument_id (payment_instrument_id), ADD KEY UI_ftrxn_check_number (check_number),"
    " ADD KEY FK_civicrm_financial_trxn_to_financial_account_id (to_financial_account_id),"
    " ADD KEY FK_civicrm_financial_trxn_payment_processor_id (payment_processor_id)";

}  // namespace

std::string civicrm_big_table_rows(uint64_t first, uint64_t last) {
  // Statuses as CiviCRM's contribution_status: 1 Completed, 2 Pending, 7 Refunded.
  return fmt::format(
      "INSERT INTO civicrm_financial_trxn (id, from_financial_account_id, to_financial_account_id, trxn_date, "
      "total_amount,"
      " fee_amount, net_amount, currency, is_payment, trxn_id, trxn_result_code, status_id, payment_processor_id,"
      " payment_instrument_id, card_type_id, check_number, pan_truncation, order_reference)"
      " SELECT seq, IF(seq % 3 = 0, NULL, 1 + seq % 7), 1 + seq % 12,"
      " '2012-01-01 00:00:00' + INTERVAL (seq * 97) % 400000000 SECOND, amount, ROUND(amount * 0.029 + 0.30, 2),"
      " amount - ROUND(amount * 0.029 + 0.30, 2), ELT(1 + seq % 4, 'USD', 'EUR', 'GBP', 'USD'), seq % 10 <> 0,"
      " CONCAT('ch_', MD5(CONCAT('ftrxn', seq))), IF(seq % 5 = 0, NULL, CONCAT('approved ', seq % 1000, ': AVS match, "
      "CVV2 ok')),"
      " IF(seq % 50 = 0, 7, 1 + (seq % 9 = 0)), IF(seq % 4 = 0, NULL, 1 + seq % 3), 1 + seq % 5,"
      " IF(seq % 5 = 1, 1 + seq % 4, NULL), IF(seq % 5 = 3, LPAD(seq % 1000000, 8, '0'), NULL),"
      " IF(seq % 5 = 1, LPAD(seq % 10000, 4, '0'), NULL), IF(seq % 2 = 0, CONCAT('ORD-', UPPER(LEFT(SHA1(seq), 20))), "
      "NULL)"
      " FROM (SELECT seq, ROUND(5 + (seq * 7919 % 100000) / 100, 2) AS amount FROM seq_{}_to_{}) s",
      first, last);
}

std::string civicrm_big_table_create() { return kCreate; }

std::string civicrm_big_table_keys() { return kKeys; }

}  // namespace civiup::testbed
