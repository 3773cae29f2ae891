#pragma once
// A table's rows as the dump writes them, "(1,'text',0x00FF,NULL)", streamed
// (memory stays flat), and the digest of those tuples that the manifest
// records: the dump computes it while writing, a restore recomputes it from
// the restored table.  Unlike CHECKSUM TABLE it does not depend on the
// server's row format or version, and it costs the dump no second table scan.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "catalogue.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {

inline constexpr const char* kRowDigestMethod =
    "civiup-row-digest/1: row count and the sum mod 2^64 of a 64-bit wyhash-style hash of each row's SQL value tuple";

// Order-independent (a sum), so key-range chunks and any scan order agree.
class RowDigest {
 public:
  // The hash of one row's tuple that add() sums.
  static uint64_t hash(std::string_view row);
  void add(std::string_view row);
  void add_hash(uint64_t hash);
  void merge(const RowDigest& other);
  uint64_t rows() const { return rows_; }
  // "rows:0123456789abcdef", the form kept in the manifest.
  std::string text() const;

 private:
  uint64_t rows_ = 0;
  uint64_t sum_ = 0;
};

// SELECT of the dumped columns (history rows included for system-versioned tables).
std::string select_rows(const TableInfo& table, const std::string& where);

// Where `column` is in the dumped tuples (the INSERTs' column order), or npos.
size_t dumped_position(const TableInfo& table, const std::string& column);

// "(`a`,`b`)" — the column list of the INSERTs.
std::string insert_columns(const TableInfo& table);

// Where streamed rows go: each is appended in place to the buffer begin_row()
// returns (no copy per row), then end_row() gets its offset in that buffer.
class RowSink {
 public:
  virtual ~RowSink() = default;
  virtual std::string& begin_row() = 0;
  virtual void end_row(size_t row_start) = 0;
};

// Streams the rows of `table` matching `where` ("" or " WHERE ...") into `sink`.
void stream_rows(Session& session, const TableInfo& table, const std::string& where, RowSink& sink);

// `parts` WHERE clauses (" WHERE `id` >= 1 AND `id` < 100") that split the
// table by its integer primary key into ranges of about equal key span, the
// first open below and the last above (so rows outside the bounds read now are
// still covered); {""} when it cannot be split or `parts` <= 1.
std::vector<std::string> key_ranges(Session& session, const TableInfo& table, uint64_t parts);

// The digest of the table's rows matching `where` as they are now on `session`.
RowDigest digest_table(Session& session, const TableInfo& table, const std::string& where = "");

}  // namespace civiup::snapshot::db
