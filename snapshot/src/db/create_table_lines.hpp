#pragma once
// SHOW CREATE TABLE output split into its lines, for the code that rewrites a
// definition line by line (deferred keys, undoing an upgrade's additions).
#include <optional>
#include <string>
#include <vector>

namespace civiup::snapshot::db {

struct CreateTableLines {
  std::string head;                      // "CREATE TABLE `t` ("
  std::vector<std::string> definitions;  // "  `col` ...", "  KEY ...": each without its comma
  std::string options;                   // ") ENGINE=... DEFAULT CHARSET=..."
};

// nullopt for a shape this does not handle: fewer than three lines, a
// definition over several lines, or anything after the table options' line
// (partitions, for one).
std::optional<CreateTableLines> split_create_table(const std::string& create_statement);

}  // namespace civiup::snapshot::db
