#include "upgrade/site_fingerprint.hpp"

#include <algorithm>

#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"

namespace civiup::test {
namespace fs = std::filesystem;

namespace {

uint64_t fnv1a(const std::string& data) {
  uint64_t hash = 1469598103934665603ull;
  for (char byte : data) {
    auto c = static_cast<unsigned char>(byte);
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string entry_fingerprint(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return "unreadable";
  std::string what = fmt::format("{:o} {}:{}", info.st_mode, info.st_uid, info.st_gid);
  if (S_ISLNK(info.st_mode)) return what + " -> " + fs::read_symlink(path).string();
  if (S_ISREG(info.st_mode)) {
    std::string content = read_file(path);
    return fmt::format("{} {} {:016x}", what, content.size(), fnv1a(content));
  }
  return what;
}

std::vector<std::vector<std::string>> rows(sql::Connection& connection, const std::string& query, int columns) {
  std::unique_ptr<sql::Statement> statement(connection.createStatement());
  std::unique_ptr<sql::ResultSet> result(statement->executeQuery(query));
  std::vector<std::vector<std::string>> all;
  while (result->next()) {
    std::vector<std::string> row;
    for (uint32_t i = 1; i <= static_cast<uint32_t>(columns); ++i) row.push_back(result->isNull(i) ? "NULL" : std::string(result->getString(i)));
    all.push_back(std::move(row));
  }
  return all;
}

}  // namespace

std::map<std::string, std::string> tree_fingerprint(const fs::path& root) {
  std::map<std::string, std::string> entries;
  entries["."] = entry_fingerprint(root);
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    entries[it->path().lexically_relative(root).string()] = entry_fingerprint(it->path());
  }
  return entries;
}

std::map<std::string, std::string> database_fingerprint(sql::Connection& connection, const std::string& database) {
  std::map<std::string, std::string> objects;
  std::string db = "`" + database + "`";
  for (const auto& row : rows(connection,
                              fmt::format("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
                                          "WHERE TABLE_SCHEMA = '{}' ORDER BY TABLE_NAME", database),
                              2)) {
    const std::string& name = row[0];
    if (row[1] == "VIEW") {
      objects["view " + name] = rows(connection, fmt::format("SHOW CREATE VIEW {}.`{}`", db, name), 2)[0][1];
      continue;
    }
    std::string definition = rows(connection, fmt::format("SHOW CREATE TABLE {}.`{}`", db, name), 2)[0][1];
    bool cache = name == "cache" || name.starts_with("cache_") || name.find("_cache") != std::string::npos;
    std::string checksum =
        cache ? "(cache)" : rows(connection, fmt::format("CHECKSUM TABLE {}.`{}`", db, name), 2)[0][1];
    objects["table " + name] = definition + "\nchecksum " + checksum;
  }
  for (const auto& row : rows(connection,
                              fmt::format("SELECT TRIGGER_NAME, CONCAT_WS(' ', ACTION_TIMING, EVENT_MANIPULATION, "
                                          "EVENT_OBJECT_TABLE, DEFINER, SQL_MODE, ACTION_STATEMENT) "
                                          "FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = '{}'", database),
                              2)) {
    objects["trigger " + row[0]] = row[1];
  }
  for (const auto& row : rows(connection,
                              fmt::format("SELECT CONCAT(ROUTINE_TYPE, ' ', ROUTINE_NAME), CONCAT_WS(' ', DEFINER, "
                                          "SQL_MODE, DTD_IDENTIFIER, ROUTINE_DEFINITION) FROM "
                                          "information_schema.ROUTINES WHERE ROUTINE_SCHEMA = '{}'", database),
                              2)) {
    objects[row[0]] = row[1];
  }
  // SHOW CREATE VIEW qualifies names with the schema unless it is the
  // connection's default one: compare without the qualifier.
  std::string qualifier = db + ".";
  for (auto& [name, definition] : objects) {
    for (size_t at = definition.find(qualifier); at != std::string::npos; at = definition.find(qualifier, at)) {
      definition.erase(at, qualifier.size());
    }
  }
  return objects;
}

std::string describe_differences(const std::map<std::string, std::string>& before,
                                 const std::map<std::string, std::string>& after, size_t limit) {
  std::string out;
  size_t count = 0;
  auto add = [&](const std::string& line) {
    if (count++ < limit) out += line + "\n";
  };
  for (const auto& [key, value] : before) {
    auto it = after.find(key);
    if (it == after.end()) {
      add("removed: " + key);
    } else if (it->second != value) {
      // From a little before the first difference: long definitions often differ at the end.
      auto first = static_cast<size_t>(
          std::mismatch(value.begin(), value.end(), it->second.begin(), it->second.end()).first - value.begin());
      size_t from = first > 80 ? first - 80 : 0;
      add(fmt::format("changed: {} (from byte {})\n  before: {}\n  after:  {}", key, from, value.substr(from, 300),
                      it->second.substr(from, 300)));
    }
  }
  for (const auto& [key, value] : after) {
    if (!before.contains(key)) add("added: " + key);
  }
  if (count > limit) out += fmt::format("... and {} more\n", count - limit);
  return out;
}

}  // namespace civiup::test
