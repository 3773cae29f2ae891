#include "check/site_state.hpp"

#include <sys/stat.h>

#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "support/test_server.hpp"

namespace civiup::test {
namespace fs = std::filesystem;

SiteState tree_state(const fs::path& dir) {
  SiteState state;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it) {
    struct stat info {};
    if (::lstat(it->path().c_str(), &info) != 0) continue;
    std::string detail = fmt::format("mode {:o} {}:{} size {} mtime {}.{:09}", info.st_mode, info.st_uid,
                                     info.st_gid, info.st_size, info.st_mtim.tv_sec, info.st_mtim.tv_nsec);
    if (S_ISREG(info.st_mode)) detail += fmt::format(" hash {:x}", std::hash<std::string>{}(read_file(it->path())));
    if (S_ISLNK(info.st_mode)) detail += " -> " + fs::read_symlink(it->path()).string();
    state["file:" + it->path().lexically_relative(dir).string()] = detail;
  }
  return state;
}

SiteState database_state(const std::string& database) {
  SiteState state;
  auto connection = connect(database);
  for (const std::string& table :
       query_column(*connection, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                                 "ORDER BY TABLE_NAME")) {
    auto create = query_column(*connection, fmt::format("SHOW CREATE TABLE `{}`", table));
    std::unique_ptr<sql::Statement> statement(connection->createStatement());
    std::unique_ptr<sql::ResultSet> rows(statement->executeQuery(fmt::format("CHECKSUM TABLE `{}` EXTENDED", table)));
    std::string checksum = rows->next() && !rows->isNull(2) ? std::string(rows->getString(2)) : "NULL";
    state[fmt::format("table:{}.{}", database, table)] = checksum;
  }
  return state;
}

std::string differences(const SiteState& before, const SiteState& after) {
  std::string out;
  for (const auto& [key, value] : before) {
    auto found = after.find(key);
    if (found == after.end()) {
      out += fmt::format("gone: {}\n", key);
    } else if (found->second != value) {
      out += fmt::format("changed: {}: {} -> {}\n", key, value, found->second);
    }
  }
  for (const auto& [key, value] : after) {
    if (!before.contains(key)) out += fmt::format("new: {}\n", key);
  }
  return out;
}

}  // namespace civiup::test
