#include "table_rows.hpp"

#include <cstring>
#include <vector>

#include <cppconn/resultset.h>
#include <cppconn/sqlstring.h>
#include <fmt/format.h>

namespace civiup::snapshot::db {
namespace {

__extension__ using Uint128 = unsigned __int128;

// 64x64->128 multiply folded to 64 bits (wyhash's "mum").
uint64_t mum(uint64_t a, uint64_t b) {
  Uint128 r = static_cast<Uint128>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

// A wyhash-style hash: 16 bytes a step, one multiply each; several GB/s, so
// the digest costs the dump little next to reading and compressing.
uint64_t hash64(const char* data, size_t size) {
  constexpr uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL, k2 = 0x8ebc6af09c88c6e3ULL;
  uint64_t h = mum(size ^ k0, k1);
  while (size >= 16) {
    uint64_t a, b;
    std::memcpy(&a, data, 8);
    std::memcpy(&b, data + 8, 8);
    h = mum(a ^ k1 ^ h, b ^ k2);
    data += 16;
    size -= 16;
  }
  uint64_t a = 0, b = 0;
  if (size > 8) {
    std::memcpy(&a, data, 8);
    std::memcpy(&b, data + 8, size - 8);
  } else {
    std::memcpy(&a, data, size);
  }
  return mum(mum(a ^ k1 ^ h, b ^ k2), k0 ^ size);
}

}  // namespace

void RowDigest::add(std::string_view row) {
  ++rows_;
  sum_ += hash64(row.data(), row.size());
}

void RowDigest::merge(const RowDigest& other) {
  rows_ += other.rows_;
  sum_ += other.sum_;
}

std::string RowDigest::text() const { return fmt::format("{}:{:016x}", rows_, sum_); }

namespace {

// Numeric and date/time columns come first and cross the connector as one
// value per row, joined by the server (which turns them into text anyway):
// the connector's cost is per value, and CiviCRM rows are mostly ids and flags.
// Text and binary values come one by one and are escaped here, faster than the
// server's QUOTE/HEX would do it.
struct DumpOrder {
  std::vector<const ColumnInfo*> numbers;
  std::vector<const ColumnInfo*> others;
};

DumpOrder dump_order(const TableInfo& table) {
  DumpOrder order;
  for (const auto& column : table.columns)
    (column.kind == ValueKind::Number || column.kind == ValueKind::Temporal ? order.numbers : order.others)
        .push_back(&column);
  return order;
}

}  // namespace

std::string select_rows(const TableInfo& table, const std::string& where) {
  DumpOrder order = dump_order(table);
  std::string selected;
  if (!order.numbers.empty()) {
    selected = "CONCAT_WS(','";
    for (const ColumnInfo* column : order.numbers)
      selected += column->kind == ValueKind::Temporal
                      ? fmt::format(", IFNULL(CONCAT('''', {}, ''''), 'NULL')", column->select)
                      : fmt::format(", IFNULL({}, 'NULL')", column->select);
    selected += ")";
  }
  for (const ColumnInfo* column : order.others) selected += (selected.empty() ? "" : ",") + column->select;
  return fmt::format("SELECT {} FROM {}{}{}", selected, quote_identifier(table.name),
                     table.type == "SYSTEM VERSIONED" ? " FOR SYSTEM_TIME ALL" : "", where);
}

std::string insert_columns(const TableInfo& table) {
  DumpOrder order = dump_order(table);
  std::string columns;
  for (const auto* group : {&order.numbers, &order.others})
    for (const ColumnInfo* column : *group) columns += (columns.empty() ? "" : ",") + quote_identifier(column->name);
  return "(" + columns + ")";
}

void stream_rows(Session& session, const TableInfo& table, const std::string& where,
                 const std::function<void(const std::string& row)>& on_row) {
  const DumpOrder order = dump_order(table);
  const unsigned first_other = order.numbers.empty() ? 1 : 2;
  std::string row;
  session.stream(select_rows(table, where), [&](sql::ResultSet& rs) {
    row.clear();
    row += '(';
    if (!order.numbers.empty()) row += rs.getString(1).asStdString();
    for (unsigned i = 0; i < order.others.size(); ++i) {
      if (i > 0 || first_other == 2) row += ',';
      // getString then wasNull: one connector call per value instead of two.
      sql::SQLString value = rs.getString(first_other + i);
      if (rs.wasNull()) {
        row += "NULL";
        continue;
      }
      const std::string& v = value.asStdString();
      if (order.others[i]->kind == ValueKind::Hex) {
        if (v.empty()) {
          row += "''";
        } else {
          row += "0x";
          append_hex(row, v.data(), v.size());
        }
      } else {
        row += '\'';
        append_escaped(row, v.data(), v.size());
        row += '\'';
      }
    }
    row += ')';
    on_row(row);
  });
}

RowDigest digest_table(Session& session, const TableInfo& table) {
  RowDigest digest;
  stream_rows(session, table, "", [&](const std::string& row) { digest.add(row); });
  return digest;
}

}  // namespace civiup::snapshot::db
