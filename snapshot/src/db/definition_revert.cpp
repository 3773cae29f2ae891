#include "definition_revert.hpp"

#include <regex>
#include <vector>

#include "session.hpp"

namespace civiup::snapshot::db {
namespace {

struct Definition {
  std::string head;                 // "CREATE TABLE `t` ("
  std::vector<std::string> lines;   // "  `col` ...", "  KEY ...", without the comma
  std::string options;              // ") ENGINE=... AUTO_INCREMENT=..."
};

// Splits SHOW CREATE TABLE output; nullopt for a shape this does not handle
// (a definition over several lines, partitions after the options line).
std::optional<Definition> parse(const std::string& create) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end = create.find('\n'); end != std::string::npos; end = create.find('\n', start)) {
    lines.push_back(create.substr(start, end - start));
    start = end + 1;
  }
  lines.push_back(create.substr(start));
  if (lines.size() < 3 || !lines.front().starts_with("CREATE TABLE ") || !lines.front().ends_with(" (") ||
      !lines.back().starts_with(") "))
    return std::nullopt;
  Definition result{lines.front(), {}, lines.back()};
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    std::string line = lines[i];
    if (i + 2 < lines.size()) {
      if (!line.ends_with(",")) return std::nullopt;
      line.pop_back();
    }
    if (!line.starts_with("  ") || line.starts_with("   ")) return std::nullopt;
    result.lines.push_back(std::move(line));
  }
  return result;
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
  for (const auto& line : now->lines) {
    if (next < then->lines.size() && line == then->lines[next]) {
      ++next;
      continue;
    }
    std::string clause = drop_clause(line);
    if (clause.empty()) return std::nullopt;
    clauses.push_back(std::move(clause));
  }
  if (next != then->lines.size()) return std::nullopt;
  if (now->options != then->options) {
    if (without_auto_increment(now->options) != without_auto_increment(then->options))
      return std::nullopt;
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
