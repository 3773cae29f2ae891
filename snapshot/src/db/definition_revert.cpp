#include "definition_revert.hpp"

#include <regex>
#include <vector>

#include "create_table_lines.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {
namespace {

// The split definition, unless a line is indented further (part of a
// definition over several lines).
std::optional<CreateTableLines> parse(const std::string& create) {
  auto lines = split_create_table(create);
  if (lines)
    for (const auto& line : lines->definitions)
      if (line.starts_with("   ")) return std::nullopt;
  return lines;
}

// The quoted identifier that starts at `at` ("`a``b`"), or "".
std::string quoted_at(const std::string& line, size_t at) {
  if (at >= line.size() || line[at] != '`') return "";
  for (size_t i = at + 1; i < line.size(); ++i) {
    if (line[i] != '`') continue;
    if (i + 1 < line.size() && line[i + 1] == '`') {
      ++i;
      continue;
    }
    return line.substr(at, i - at + 1);
  }
  return "";
}

// "DROP COLUMN `c`" / "DROP KEY `k`" / "DROP FOREIGN KEY `f`" undoing an added line, or "".
std::string drop_clause(const std::string& line) {
  if (line.starts_with("  `")) {
    std::string name = quoted_at(line, 2);
    return name.empty() ? "" : "DROP COLUMN " + name;
  }
  for (const char* prefix : {"  KEY ", "  UNIQUE KEY ", "  FULLTEXT KEY ", "  SPATIAL KEY "})
    if (line.starts_with(prefix)) {
      std::string name = quoted_at(line, std::string(prefix).size());
      return name.empty() ? "" : "DROP KEY " + name;
    }
  if (line.starts_with("  CONSTRAINT ")) {
    std::string name = quoted_at(line, 13);
    if (!name.empty() && line.compare(13 + name.size(), 13, " FOREIGN KEY ") == 0) return "DROP FOREIGN KEY " + name;
  }
  return "";
}

const std::regex& auto_increment_option() {
  static const std::regex pattern(" AUTO_INCREMENT=([0-9]+)");
  return pattern;
}

}  // namespace

std::string without_auto_increment(const std::string& create_statement) {
  return std::regex_replace(create_statement, auto_increment_option(), "");
}

std::optional<std::string> revert_statement(const std::string& table, const std::string& live,
                                            const std::string& dumped, AlterAlgorithm algorithm) {
  auto now = parse(live), then = parse(dumped);
  if (!now || !then || now->head != then->head) return std::nullopt;
  std::vector<std::string> clauses;
  // The dump's lines must appear in the live definition in the same order; every other live line is an addition.
  size_t next = 0;
  for (const auto& line : now->definitions) {
    if (next < then->definitions.size() && line == then->definitions[next]) {
      ++next;
      continue;
    }
    std::string clause = drop_clause(line);
    if (clause.empty()) return std::nullopt;
    clauses.push_back(std::move(clause));
  }
  if (next != then->definitions.size()) return std::nullopt;
  if (now->options != then->options) {
    if (without_auto_increment(now->options) != without_auto_increment(then->options)) return std::nullopt;
    // The dump's next value (1: the dump's table had never had a row, so it showed none).
    std::smatch value;
    clauses.push_back("AUTO_INCREMENT = " +
                      (std::regex_search(then->options, value, auto_increment_option()) ? value[1].str() : "1"));
  }
  if (clauses.empty()) return std::nullopt;
  std::string statement = "ALTER TABLE " + quote_identifier(table);
  for (size_t i = 0; i < clauses.size(); ++i) statement += (i == 0 ? " " : ", ") + clauses[i];
  return statement + (algorithm == AlterAlgorithm::mariadb_nocopy ? ", ALGORITHM=NOCOPY" : ", ALGORITHM=INSTANT");
}

}  // namespace civiup::snapshot::db
