#include "row_ranges.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "table_rows.hpp"
#include "zstd_sql_file.hpp"

namespace civiup::snapshot::db {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t kRowsPerRange = 32;
constexpr uint64_t kMaxRanges = 1u << 18;

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

template <typename T>
T number(std::string_view text, int base = 10) {
  T value{};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (error != std::errc() || end != text.data() + text.size()) fail("'{}' is not a number", text);
  return value;
}

}  // namespace

int64_t RangeLayout::bucket(Int128 key) const {
  Int128 offset = key - base;
  Int128 b = offset / width;
  if (offset < 0 && offset % width != 0) --b;  // floor
  const Int128 limit = static_cast<Int128>(INT64_MAX);
  return static_cast<int64_t>(std::clamp(b, -limit, limit));
}

RangeLayout choose_layout(Int128 min_key, Int128 max_key, uint64_t estimated_rows) {
  RangeLayout layout;
  layout.base = min_key;
  const Int128 span = max_key - min_key + 1;
  const uint64_t ranges = std::clamp<uint64_t>(estimated_rows / kRowsPerRange, 1, kMaxRanges);
  const Int128 width = (span + ranges - 1) / ranges;
  layout.width = static_cast<int64_t>(std::clamp<Int128>(width, 1, static_cast<Int128>(INT64_MAX)));
  return layout;
}

void RangeSums::add(int64_t bucket, uint64_t hash) {
  if (sums_.empty() || sums_.back().bucket != bucket) {
    if (sums_.size() >= 2 * compacted_ + 4096) compact();
    sums_.push_back({bucket, 0, 0});
  }
  ++sums_.back().rows;
  sums_.back().sum += hash;
}

void RangeSums::add_sum(const RangeSum& sum) {
  if (sums_.size() >= 2 * compacted_ + 4096) compact();
  sums_.push_back(sum);
}

void RangeSums::merge(const RangeSums& other) {
  sums_.insert(sums_.end(), other.sums_.begin(), other.sums_.end());
  compact();
}

void RangeSums::compact() {
  std::stable_sort(sums_.begin(), sums_.end(),
                   [](const RangeSum& a, const RangeSum& b) { return a.bucket < b.bucket; });
  size_t out = 0;
  for (size_t i = 0; i < sums_.size(); ++i) {
    if (out > 0 && sums_[out - 1].bucket == sums_[i].bucket) {
      sums_[out - 1].rows += sums_[i].rows;
      sums_[out - 1].sum += sums_[i].sum;
    } else {
      sums_[out++] = sums_[i];
    }
  }
  sums_.resize(out);
  compacted_ = out;
}

const std::vector<RangeSum>& RangeSums::sorted() {
  compact();
  return sums_;
}

std::string ranges_file_name(const std::string& data_file_name) {
  std::string name = data_file_name;
  const std::string suffix = ".sql.zst";
  if (name.ends_with(suffix)) name.resize(name.size() - suffix.size());
  return name + ".ranges.zst";
}

std::string ranges_file_content(const std::string& key, const RangeLayout& layout, std::optional<Int128> min_key,
                                std::optional<Int128> max_key, const std::vector<RangeSum>& sums) {
  uint64_t rows = 0;
  for (const auto& s : sums) rows += s.rows;
  std::string text =
      fmt::format("{}\nkey {}\nlayout {} {}\nkeys {} {} {}\n", kRowRangesFormat, key, key_text(layout.base),
                  layout.width, min_key ? key_text(*min_key) : "-", max_key ? key_text(*max_key) : "-", rows);
  for (const auto& s : sums) text += fmt::format("{} {} {:016x}\n", s.bucket, s.rows, s.sum);
  return text;
}

std::optional<TableRanges> load_table_ranges(const fs::path& dir, const DumpManifest& manifest,
                                             const TableEntry& table) {
  std::vector<const DumpFile*> data;
  std::map<std::string, const DumpFile*> sidecars;
  for (const auto& file : manifest.files) {
    if (file.object != table.name) continue;
    if (file.kind == "data")
      data.push_back(&file);
    else if (file.kind == kRowRangesKind)
      sidecars[file.name] = &file;
  }
  if (data.empty()) return std::nullopt;
  for (const DumpFile* file : data)
    if (sidecars.count(ranges_file_name(file->name)) == 0) return std::nullopt;
  return with_context(fmt::format("reading the row ranges of table `{}`", table.name), [&] {
    TableRanges result;
    RangeSums all;
    for (size_t i = 0; i < data.size(); ++i) {
      const std::string name = ranges_file_name(data[i]->name);
      const std::string text = read_zstd_file(dir / name);
      std::vector<std::string_view> lines = split(text, '\n');
      if (lines.size() < 4 || lines[0] != kRowRangesFormat || !lines[1].starts_with("key ") ||
          !lines[2].starts_with("layout ") || !lines[3].starts_with("keys "))
        fail("{}: not a {} file", name, kRowRangesFormat);
      const std::string key(lines[1].substr(4));
      auto layout_fields = split(lines[2].substr(7), ' ');
      auto keys = split(lines[3].substr(5), ' ');
      if (layout_fields.size() != 2 || keys.size() != 3) fail("{}: a damaged header", name);
      RangeLayout layout;
      auto base = parse_key(layout_fields[0]);
      if (!base) fail("{}: a damaged header", name);
      layout.base = *base;
      layout.width = number<int64_t>(layout_fields[1]);
      if (layout.width < 1) fail("{}: a damaged header", name);
      if (i == 0) {
        result.key = key;
        result.layout = layout;
      } else if (key != result.key || !(layout == result.layout)) {
        fail("{}: another key or layout than the table's other files", name);
      }
      TableRanges::File file{data[i], std::nullopt, std::nullopt};
      if (keys[0] != "-") file.min_key = parse_key(keys[0]);
      if (keys[1] != "-") file.max_key = parse_key(keys[1]);
      result.files.push_back(file);
      for (size_t l = 4; l < lines.size(); ++l) {
        if (lines[l].empty()) continue;
        auto fields = split(lines[l], ' ');
        if (fields.size() != 3) fail("{}: a damaged line {}", name, l + 1);
        const int64_t bucket = number<int64_t>(fields[0]);
        const uint64_t rows = number<uint64_t>(fields[1]);
        const uint64_t sum = number<uint64_t>(fields[2], 16);
        all.add_sum({bucket, rows, sum});
      }
    }
    result.sums = all.sorted();
    uint64_t rows = 0, sum = 0;
    for (const auto& s : result.sums) {
      rows += s.rows;
      sum += s.sum;
    }
    const std::string total = fmt::format("{}:{:016x}", rows, sum);
    if (!table.checksum || total != *table.checksum)
      fail("their sums ({}) are not the manifest's row digest ({})", total, table.checksum.value_or("none"));
    return std::optional<TableRanges>(std::move(result));
  });
}

}  // namespace civiup::snapshot::db
