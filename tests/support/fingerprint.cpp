#include "support/fingerprint.hpp"

#include <sys/stat.h>

#include <algorithm>

#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/fnv1a.hpp"
#include "support/test_server.hpp"

namespace civiup::test {
namespace fs = std::filesystem;

namespace {

std::string entry_fingerprint(const fs::path& path, Mtimes mtimes) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) return "unreadable";
  std::string what = fmt::format("{:o} {}:{}", info.st_mode, info.st_uid, info.st_gid);
  // With times, everything lstat says: a directory's size too (it grows with its entries).
  if (mtimes == Mtimes::compare) {
    what += fmt::format(" mtime {}.{:09}", info.st_mtim.tv_sec, info.st_mtim.tv_nsec);
    if (!S_ISREG(info.st_mode)) what += fmt::format(" size {}", info.st_size);
  }
  if (S_ISLNK(info.st_mode)) return what + " -> " + fs::read_symlink(path).string();
  if (S_ISREG(info.st_mode)) {
    std::string content = read_file(path);
    return fmt::format("{} {} {:016x}", what, content.size(), civiup::fnv1a64(content));
  }
  return what;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

bool is_cache_table(const std::string& name) {
  return name == "cache" || name.starts_with("cache_") || name.find("_cache") != std::string::npos;
}

}  // namespace

Fingerprint tree_fingerprint(const fs::path& root, Mtimes mtimes) {
  Fingerprint entries;
  entries["."] = entry_fingerprint(root, mtimes);
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    entries[it->path().lexically_relative(root).string()] = entry_fingerprint(it->path(), mtimes);
  }
  return entries;
}

Fingerprint database_fingerprint(const std::string& database, CacheRows cache_rows) {
  return database_fingerprint(*connect(database), database, cache_rows);
}

Fingerprint database_fingerprint(sql::Connection& connection, const std::string& database, CacheRows cache_rows) {
  Fingerprint image;
  const std::string schema = "'" + database + "'";
  auto quote = [&](const std::string& name) { return "`" + database + "`.`" + name + "`"; };
  auto put = [&](const std::string& key, const std::string& value) {
    image[key] = replace_all(value, "`" + database + "`", "`DB`");
  };
  for (const auto& row : query_rows(connection,
                                    "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM "
                                    "information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                                        schema))
    put("database", row[0] + " " + row[1]);
  for (const auto& row : query_rows(connection,
                                    "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES "
                                    "WHERE TABLE_SCHEMA = " +
                                        schema)) {
    const std::string& name = row[0];
    if (row[1] == "VIEW") {
      auto create = query_rows(connection, "SHOW CREATE VIEW " + quote(name));
      put("view " + name, create.at(0).at(1) + " | " + create[0].at(2) + " " + create[0].at(3));
      continue;
    }
    put("table " + name, query_rows(connection, "SHOW CREATE TABLE " + quote(name)).at(0).at(1));
    put("checksum " + name, cache_rows == CacheRows::ignore && is_cache_table(name)
                                ? "(cache)"
                                : query_rows(connection, "CHECKSUM TABLE " + quote(name) + " EXTENDED").at(0).at(1));
    if (row[1] == "SYSTEM VERSIONED")
      put("history rows " + name,
          query_rows(connection, "SELECT COUNT(*) FROM " + quote(name) + " FOR SYSTEM_TIME ALL").at(0).at(0));
  }
  for (const auto& row : query_rows(connection,
                                    "SELECT TRIGGER_NAME, DEFINER FROM information_schema.TRIGGERS "
                                    "WHERE TRIGGER_SCHEMA = " +
                                        schema)) {
    auto create = query_rows(connection, "SHOW CREATE TRIGGER " + quote(row[0]));
    // Trigger, sql_mode, statement, character_set_client, collation_connection, Database Collation, Created
    put("trigger " + row[0], fmt::format("{} | {} | {} {} {} | {}", create.at(0).at(2), create[0][1], create[0][3],
                                         create[0][4], create[0][5], row[1]));
  }
  for (const auto& row : query_rows(connection,
                                    "SELECT ROUTINE_TYPE, ROUTINE_NAME, DEFINER FROM "
                                    "information_schema.ROUTINES WHERE ROUTINE_SCHEMA = " +
                                        schema)) {
    auto create = query_rows(connection, fmt::format("SHOW CREATE {} {}", row[0], quote(row[1])));
    // Name, sql_mode, Create, character_set_client, collation_connection, Database Collation
    put(fmt::format("{} {}", row[0] == "FUNCTION" ? "function" : "procedure", row[1]),
        fmt::format("{} | {} | {} {} {} | {}", create.at(0).at(2), create[0][1], create[0][3], create[0][4],
                    create[0][5], row[2]));
  }
  for (const auto& row : query_rows(connection,
                                    "SELECT EVENT_NAME, DEFINER, STATUS FROM information_schema.EVENTS "
                                    "WHERE EVENT_SCHEMA = " +
                                        schema)) {
    auto create = query_rows(connection, "SHOW CREATE EVENT " + quote(row[0]));
    // Event, sql_mode, time_zone, Create Event, character_set_client, collation_connection, Database Collation
    put("event " + row[0], fmt::format("{} | {} | {} | {} {} {} | {} {}", create.at(0).at(3), create[0][1],
                                       create[0][2], create[0][4], create[0][5], create[0][6], row[1], row[2]));
  }
  return image;
}

Fingerprint site_fingerprint(const fs::path& root, const std::vector<std::string>& databases, Mtimes mtimes,
                             CacheRows cache_rows) {
  Fingerprint site;
  for (auto& [path, entry] : tree_fingerprint(root, mtimes)) site["file " + path] = std::move(entry);
  for (const std::string& database : databases) {
    for (auto& [key, definition] : database_fingerprint(database, cache_rows)) {
      site[database + " " + key] = std::move(definition);
    }
  }
  return site;
}

std::string describe_differences(const Fingerprint& before, const Fingerprint& after, size_t limit) {
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
