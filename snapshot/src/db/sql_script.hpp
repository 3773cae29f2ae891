#pragma once
// Splits a SQL script into statements the way the stock client does: quotes,
// comments and `DELIMITER` lines are honoured.  Used for the dump's DDL files;
// data files are one statement per line and need no parsing.
#include <string>
#include <vector>

namespace civiup::snapshot::db {

std::vector<std::string> split_sql_script(const std::string& script);

}  // namespace civiup::snapshot::db
