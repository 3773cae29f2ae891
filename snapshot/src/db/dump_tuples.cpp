#include "dump_tuples.hpp"

#include "civiup/base/error.hpp"
#include "zstd_sql_file.hpp"

namespace civiup::snapshot::db {
namespace {

// The index of the next ',' or ')' at or after `from` that is not inside a
// quoted value (values are NULL, numbers, 0x hex and quoted text with
// backslash escapes), or npos.
size_t next_separator(std::string_view values, size_t from) {
  bool quoted = false;
  for (size_t i = from; i < values.size(); ++i) {
    const char c = values[i];
    if (quoted) {
      if (c == '\\')
        ++i;
      else if (c == '\'')
        quoted = false;
    } else if (c == '\'') {
      quoted = true;
    } else if (c == ',' || c == ')') {
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

size_t tuple_end(std::string_view values, size_t start) {
  size_t at = start;
  do at = next_separator(values, at + 1);
  while (at != std::string_view::npos && values[at] != ')');
  return at;
}

std::string_view tuple_field(std::string_view tuple, size_t index) {
  size_t start = 1;
  for (size_t field = 0;; ++field) {
    const size_t end = next_separator(tuple, start);
    if (end == std::string_view::npos) return {};
    if (field == index) return tuple.substr(start, end - start);
    if (tuple[end] == ')') return {};
    start = end + 1;
  }
}

void for_each_dumped_tuple(const std::filesystem::path& dir, const DumpFile& file, const std::string& prefix,
                           const std::function<void(std::string_view)>& on_tuple) {
  read_zstd_lines(dir / file.name, [&](std::string_view line) {
    if (!line.starts_with("INSERT")) return;  // the header's SETs, START TRANSACTION, COMMIT
    if (!line.starts_with(prefix))
      fail("{}: an INSERT with another table or column list than the live table's", file.name);
    std::string_view values = line.substr(prefix.size());
    size_t at = 0;
    while (at < values.size() && values[at] == '(') {
      size_t end = tuple_end(values, at);
      if (end == std::string_view::npos) break;
      on_tuple(values.substr(at, end - at + 1));
      at = end + 1;
      if (at < values.size() && values[at] == ',') ++at;
    }
    if (values.substr(at) != ";") fail("{}: an INSERT that does not end as the dump writes them", file.name);
  });
}

std::optional<Int128> parse_key(std::string_view text) {
  bool negative = !text.empty() && text[0] == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty() || text.size() > 20) return std::nullopt;
  Int128 value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return negative ? -value : value;
}

std::string key_text(Int128 key) {
  if (key == 0) return "0";
  bool negative = key < 0;
  if (negative) key = -key;
  std::string digits;
  while (key > 0) {
    digits += static_cast<char>('0' + static_cast<int>(key % 10));
    key /= 10;
  }
  if (negative) digits += '-';
  return std::string(digits.rbegin(), digits.rend());
}

}  // namespace civiup::snapshot::db
