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

void stream_rows(Session& session, const TableInfo& table, const std::string& where, RowSink& sink) {
  const DumpOrder order = dump_order(table);
  const bool joined_numbers = !order.numbers.empty();
  const unsigned first_other = joined_numbers ? 2 : 1;
  std::vector<bool> hex;
  for (const ColumnInfo* column : order.others) hex.push_back(column->kind == ValueKind::Hex);
  session.stream(select_rows(table, where), [&](sql::ResultSet& rs) {
    std::string& row = sink.begin_row();
    const size_t start = row.size();
    row += '(';
    if (joined_numbers) row += rs.getString(1).asStdString();
    for (unsigned i = 0; i < hex.size(); ++i) {
      if (i > 0 || joined_numbers) row += ',';
      // getString gives NULL as "": only an empty value needs the second call
      // (wasNull); the connector's cost is per call.
      sql::SQLString value = rs.getString(first_other + i);
      const std::string& v = value.asStdString();
      if (v.empty() && rs.wasNull()) {
        row += "NULL";
        continue;
      }
      if (hex[i]) {
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
    sink.end_row(start);
  });
}

std::vector<std::string> key_ranges(Session& session, const TableInfo& table, uint64_t parts) {
  if (parts <= 1 || table.integer_key.empty() || table.type != "BASE TABLE") return {""};
  const std::string key = quote_identifier(table.integer_key);
  auto bounds = session.query(fmt::format("SELECT MIN({0}), MAX({0}) FROM {1}", key, quote_identifier(table.name)));
  if (bounds.empty() || !bounds[0][0] || !bounds[0][1]) return {""};
  long double low = std::stold(*bounds[0][0]), high = std::stold(*bounds[0][1]);
  long double step = (high - low + 1) / static_cast<long double>(parts);
  std::vector<std::string> ranges;
  std::string previous;
  for (uint64_t part = 0; part < parts; ++part) {
    std::string bound = part + 1 < parts ? fmt::format("{:.0f}", static_cast<double>(low + step * (part + 1))) : "";
    std::string where;
    if (!previous.empty()) where += fmt::format("{} >= {}", key, previous);
    if (!bound.empty()) where += fmt::format("{}{} < {}", where.empty() ? "" : " AND ", key, bound);
    ranges.push_back(" WHERE " + where);
    previous = bound;
  }
  return ranges;
}

RowDigest digest_table(Session& session, const TableInfo& table, const std::string& where) {
  struct DigestSink : RowSink {
    std::string buffer;
    RowDigest digest;
    std::string& begin_row() override {
      buffer.clear();
      return buffer;
    }
    void end_row(size_t) override { digest.add(buffer); }
  } sink;
  stream_rows(session, table, where, sink);
  return sink.digest;
}

}  // namespace civiup::snapshot::db
