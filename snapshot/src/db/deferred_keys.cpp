#include "deferred_keys.hpp"

#include <vector>

#include "create_table_lines.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) { return text.rfind(prefix, 0) == 0; }

// "`col`" of the column line that has AUTO_INCREMENT, or "".
std::string auto_increment_column(const std::vector<std::string>& definitions) {
  for (const auto& line : definitions)
    if (starts_with(line, "  `") && line.find(" AUTO_INCREMENT") != std::string::npos) {
      size_t end = line.find("` ", 3);
      if (end != std::string::npos) return line.substr(2, end - 1);
    }
  return "";
}

}  // namespace

DeferredKeys defer_keys(const std::string& table, const std::string& create_statement) {
  DeferredKeys result{create_statement, "", ""};
  auto split = split_create_table(create_statement);
  if (!split || split->options.find("PARTITION BY") != std::string::npos ||
      split->options.find("WITH SYSTEM VERSIONING") != std::string::npos)
    return result;
  const std::vector<std::string>& definitions = split->definitions;
  bool has_primary = false;
  for (const auto& line : definitions) has_primary = has_primary || starts_with(line, "  PRIMARY KEY ");
  if (!has_primary) return result;  // InnoDB would cluster on the first unique key instead

  const std::string auto_column = auto_increment_column(definitions);
  std::vector<std::string> kept, keys, foreign_keys;
  for (const auto& line : definitions) {
    bool key = starts_with(line, "  KEY `") || starts_with(line, "  UNIQUE KEY `");
    bool foreign = starts_with(line, "  CONSTRAINT `") && line.find(" FOREIGN KEY (") != std::string::npos;
    if (key && !auto_column.empty()) {
      size_t open = line.find("` (");
      if (open != std::string::npos && line.compare(open + 3, auto_column.size(), auto_column) == 0) key = false;
    }
    (key ? keys : foreign ? foreign_keys : kept).push_back(line.substr(2));
  }
  if (keys.empty() && foreign_keys.empty()) return result;
  result.create = split->head + "\n";
  for (size_t i = 0; i < kept.size(); ++i) result.create += "  " + kept[i] + (i + 1 < kept.size() ? ",\n" : "\n");
  result.create += split->options;
  auto alter = [&](const std::vector<std::string>& additions) {
    std::string statement;
    for (const auto& addition : additions)
      statement += (statement.empty() ? "ALTER TABLE " + quote_identifier(table) + " ADD " : ", ADD ") + addition;
    return statement;
  };
  result.add_keys = alter(keys);
  result.add_foreign_keys = alter(foreign_keys);
  return result;
}

}  // namespace civiup::snapshot::db
