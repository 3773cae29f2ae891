#include "table_rows.hpp"

#include <charconv>
#include <cstring>
#include <vector>

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

uint64_t RowDigest::hash(std::string_view row) { return hash64(row.data(), row.size()); }

void RowDigest::add(std::string_view row) { add_hash(hash(row)); }

void RowDigest::add_hash(uint64_t hash) {
  ++rows_;
  sum_ += hash;
}

void RowDigest::merge(const RowDigest& other) {
  rows_ += other.rows_;
  sum_ += other.sum_;
}

std::string RowDigest::text() const { return fmt::format("{}:{:016x}", rows_, sum_); }

namespace {

// Numeric and date/time columns first, then text and binary ones: the order
// of the INSERTs' column lists since civiup-db-dump/1 began (when the server
// joined the numbers into one value), kept so dumps and their row digests
// stay as they were.
std::vector<const ColumnInfo*> dump_order(const TableInfo& table) {
  std::vector<const ColumnInfo*> order;
  for (bool numbers : {true, false})
    for (const auto& column : table.columns)
      if ((column.kind == ValueKind::Number || column.kind == ValueKind::Temporal) == numbers) order.push_back(&column);
  return order;
}

}  // namespace

std::string select_rows(const TableInfo& table, const std::string& where) {
  std::string selected;
  for (const ColumnInfo* column : dump_order(table)) selected += (selected.empty() ? "" : ",") + column->select;
  return fmt::format("SELECT {} FROM {}{}{}", selected, quote_identifier(table.name),
                     table.type == "SYSTEM VERSIONED" ? " FOR SYSTEM_TIME ALL" : "", where);
}

size_t dumped_position(const TableInfo& table, const std::string& column) {
  std::vector<const ColumnInfo*> order = dump_order(table);
  for (size_t i = 0; i < order.size(); ++i)
    if (order[i]->name == column) return i;
  return std::string::npos;
}

std::string insert_columns(const TableInfo& table) {
  std::string columns;
  for (const ColumnInfo* column : dump_order(table))
    columns += (columns.empty() ? "" : ",") + quote_identifier(column->name);
  return "(" + columns + ")";
}

namespace {

// A value as the server's text came in, formatted from its kind.
void append_value(std::string& row, ValueKind kind, const char* v, size_t size) {
  switch (kind) {
    case ValueKind::Number:
      row.append(v, size);
      break;
    case ValueKind::Temporal:  // never needs escaping
      row += '\'';
      row.append(v, size);
      row += '\'';
      break;
    case ValueKind::Hex:
      if (size == 0) {
        row += "''";
      } else {
        row += "0x";
        append_hex(row, v, size);
      }
      break;
    case ValueKind::Text:
      row += '\'';
      append_escaped(row, v, size);
      row += '\'';
      break;
  }
}

void append_digits(char*& out, unsigned long value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out += width;
}

// A binary-protocol value as the server's text would have been: integers in
// decimal, dates as 'YYYY-MM-DD[ hh:mm:ss[.fraction]]' with the column's
// fractional digits (as the server's my_datetime_to_str), bytes by their kind.
void append_binary(std::string& row, BinaryType type, ValueKind kind, const BinaryValue& value) {
  char text[48];
  char* out = text;
  switch (type) {
    case BinaryType::Signed:
      out = std::to_chars(text, text + sizeof text, value.integer).ptr;
      break;
    case BinaryType::Unsigned:
      out = std::to_chars(text, text + sizeof text, static_cast<uint64_t>(value.integer)).ptr;
      break;
    case BinaryType::Date:
    case BinaryType::DateTime:
      *out++ = '\'';
      append_digits(out, value.year, 4);
      *out++ = '-';
      append_digits(out, value.month, 2);
      *out++ = '-';
      append_digits(out, value.day, 2);
      if (type == BinaryType::DateTime) {
        *out++ = ' ';
        append_digits(out, value.hour, 2);
        *out++ = ':';
        append_digits(out, value.minute, 2);
        *out++ = ':';
        append_digits(out, value.second, 2);
        if (value.decimals > 0 && value.decimals <= 6) {
          static constexpr unsigned long kScale[] = {1000000, 100000, 10000, 1000, 100, 10, 1};
          *out++ = '.';
          append_digits(out, value.microsecond / kScale[value.decimals], static_cast<int>(value.decimals));
        }
      }
      *out++ = '\'';
      break;
    case BinaryType::Bytes:
      append_value(row, kind, value.data, value.size);
      return;
  }
  row.append(text, static_cast<size_t>(out - text));
}

}  // namespace

// Each value formatted here from its kind, as the server's text came in: no
// per-value work on the server (plain SELECT, as mydumper does).  A table whose
// columns all have a BinaryType is read with the binary protocol instead (the
// server does not even turn numbers and dates into text), to the same text.
void stream_rows(Session& session, const TableInfo& table, const std::string& where, RowSink& sink) {
  std::vector<ValueKind> kinds;
  std::vector<BinaryType> binary_types;
  for (const ColumnInfo* column : dump_order(table)) {
    kinds.push_back(column->kind);
    if (column->binary) binary_types.push_back(*column->binary);
  }
  auto binary_row = [&](const std::vector<BinaryValue>& values) {
    std::string& row = sink.begin_row();
    const size_t start = row.size();
    row += '(';
    for (size_t i = 0; i < kinds.size(); ++i) {
      if (i > 0) row += ',';
      if (values[i].null)
        row += "NULL";
      else
        append_binary(row, binary_types[i], kinds[i], values[i]);
    }
    row += ')';
    sink.end_row(start);
  };
  if (table.binary_rows && binary_types.size() == kinds.size() &&
      session.stream_binary(select_rows(table, where), binary_types, binary_row))
    return;
  session.stream(select_rows(table, where), [&](const StreamedRow& values) {
    std::string& row = sink.begin_row();
    const size_t start = row.size();
    row += '(';
    for (size_t i = 0; i < kinds.size(); ++i) {
      if (i > 0) row += ',';
      if (values.values[i] == nullptr)
        row += "NULL";
      else
        append_value(row, kinds[i], values.values[i], values.lengths[i]);
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
