#include "sql_script.hpp"

#include <cctype>

namespace civiup::snapshot::db {
namespace {

bool only_space(const std::string& text) {
  for (char c : text)
    if (std::isspace(static_cast<unsigned char>(c)) == 0) return false;
  return true;
}

}  // namespace

std::vector<std::string> split_sql_script(const std::string& script) {
  std::vector<std::string> statements;
  std::string delimiter = ";";
  std::string current;
  size_t i = 0;
  const size_t n = script.size();
  auto at_line_start = [&] { return only_space(current); };
  while (i < n) {
    char c = script[i];
    // DELIMITER xx at the start of a statement, as a client command.
    if (at_line_start() && (c == 'D' || c == 'd') && script.compare(i, 10, "DELIMITER ") == 0) {
      size_t end = script.find('\n', i);
      if (end == std::string::npos) end = n;
      delimiter = script.substr(i + 10, end - i - 10);
      while (!delimiter.empty() && std::isspace(static_cast<unsigned char>(delimiter.back()))) delimiter.pop_back();
      current.clear();
      i = end + 1;
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      size_t j = i + 1;
      while (j < n) {
        if (script[j] == '\\' && c != '`') {
          j += 2;
          continue;
        }
        if (script[j] == c) {
          if (j + 1 < n && script[j + 1] == c) {  // doubled quote
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      current.append(script, i, j + 1 - i);
      i = j + 1;
      continue;
    }
    bool dash_comment = c == '-' && i + 2 < n && script[i + 1] == '-' &&
                        (script[i + 2] == ' ' || script[i + 2] == '\t' || script[i + 2] == '\n');
    if (c == '#' || dash_comment) {
      size_t end = script.find('\n', i);
      if (end == std::string::npos) end = n;
      // Inside a statement the comment is part of it (a routine body keeps its
      // comments); between statements it is dropped, and the newline stays so
      // DELIMITER detection still sees a line start.
      if (!only_space(current)) current.append(script, i, end - i);
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < n && script[i + 1] == '*') {
      size_t end = script.find("*/", i + 2);
      end = end == std::string::npos ? n : end + 2;
      current.append(script, i, end - i);  // kept: /*! ... */ carries SQL
      i = end;
      continue;
    }
    if (script.compare(i, delimiter.size(), delimiter) == 0) {
      if (!only_space(current)) statements.push_back(current);
      current.clear();
      i += delimiter.size();
      continue;
    }
    current += c;
    ++i;
  }
  if (!only_space(current)) statements.push_back(current);
  return statements;
}

}  // namespace civiup::snapshot::db
