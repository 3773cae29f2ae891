#pragma once
// Row-range checksums: for a table with a single-column integer primary key,
// the dump records, next to each data file, the row count and the sum of the
// row hashes (RowDigest::hash of each tuple) of every key range
// [base + b*width, base + (b+1)*width) that holds rows of that file.  Ranges
// are fixed by key value, not by position, so sums are independent of scan
// order and of how the dump split the table into files.  A selective restore
// compares them with the live table's and reads rows only in ranges that
// differ (docs/database-snapshots.md "Repair in place").
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "civiup/snapshot/db/dump_manifest.hpp"
#include "dump_tuples.hpp"

namespace civiup::snapshot::db {

inline constexpr const char* kRowRangesKind = "row-ranges";
inline constexpr const char* kRowRangesFormat = "civiup-row-ranges/1";

struct RangeLayout {
  Int128 base = 0;
  int64_t width = 1;
  int64_t bucket(Int128 key) const;
  Int128 low(int64_t bucket) const { return base + static_cast<Int128>(bucket) * width; }
  Int128 high(int64_t bucket) const { return base + (static_cast<Int128>(bucket) + 1) * width; }  // exclusive
  bool operator==(const RangeLayout&) const = default;
};

// About `rows_per_range` rows per range for keys MIN..MAX and an estimate of
// the rows, at most `max_ranges` ranges.
RangeLayout choose_layout(Int128 min_key, Int128 max_key, uint64_t estimated_rows);

struct RangeSum {
  int64_t bucket = 0;
  uint64_t rows = 0;
  uint64_t sum = 0;
  bool operator==(const RangeSum&) const = default;
};

// Sums per range, accumulated from rows in any order (memory about twice the
// ranges seen, rows coming in key order keep it at one entry per range).
class RangeSums {
 public:
  void add(int64_t bucket, uint64_t hash);
  void add_sum(const RangeSum& sum);
  void merge(const RangeSums& other);
  // Sorted by bucket, one entry per bucket.
  const std::vector<RangeSum>& sorted();

 private:
  void compact();
  std::vector<RangeSum> sums_;
  size_t compacted_ = 0;
};

// The sidecar of a data file: "20-data-T-NNNNN.ranges.zst".
std::string ranges_file_name(const std::string& data_file_name);

// The sidecar's text: format, key column, layout, the file's key span and rows, one line per range.
std::string ranges_file_content(const std::string& key, const RangeLayout& layout, std::optional<Int128> min_key,
                                std::optional<Int128> max_key, const std::vector<RangeSum>& sums);

// The ranges of one table, from the sidecars of all its data files, merged.
struct TableRanges {
  std::string key;
  RangeLayout layout;
  std::vector<RangeSum> sums;  // sorted by bucket
  struct File {
    const DumpFile* data = nullptr;
    std::optional<Int128> min_key, max_key;  // none: no rows
  };
  std::vector<File> files;
};

// nullopt when a data file of `table` has no sidecar (older dumps; tables
// without an integer key).  Throws when the sidecars disagree with each other
// or their sums with the manifest's row digest of the table.
std::optional<TableRanges> load_table_ranges(const std::filesystem::path& dir, const DumpManifest& manifest,
                                             const TableEntry& table);

}  // namespace civiup::snapshot::db
