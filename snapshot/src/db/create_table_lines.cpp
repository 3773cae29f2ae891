#include "create_table_lines.hpp"

namespace civiup::snapshot::db {

std::optional<CreateTableLines> split_create_table(const std::string& create_statement) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end = create_statement.find('\n'); end != std::string::npos; end = create_statement.find('\n', start)) {
    lines.push_back(create_statement.substr(start, end - start));
    start = end + 1;
  }
  lines.push_back(create_statement.substr(start));
  if (lines.size() < 3 || !lines.front().starts_with("CREATE TABLE ") || !lines.front().ends_with("(") ||
      !lines.back().starts_with(") "))
    return std::nullopt;
  CreateTableLines result{lines.front(), {}, lines.back()};
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    std::string line = lines[i];
    if (i + 2 < lines.size()) {
      if (!line.ends_with(",")) return std::nullopt;  // a definition over several lines
      line.pop_back();
    }
    if (!line.starts_with("  ")) return std::nullopt;
    result.definitions.push_back(std::move(line));
  }
  return result;
}

}  // namespace civiup::snapshot::db
