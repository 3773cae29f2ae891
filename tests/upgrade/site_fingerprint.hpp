#pragma once
// A site's state as the end-to-end tests compare it: every entry of the code
// tree (type, mode, owner, size, content hash, symlink target) and every
// object of both databases (definition, and CHECKSUM TABLE for data).  Two
// fingerprints are equal when the site is exactly as it was.
#include <filesystem>
#include <map>
#include <string>

#include <cppconn/connection.h>

namespace civiup::test {

// path -> "type mode uid:gid size hash|target"
std::map<std::string, std::string> tree_fingerprint(const std::filesystem::path& root);

// "table NAME" -> definition + checksum, "view NAME", "trigger NAME", "function NAME", ...
// Cache tables (cache, cache_*) compare by definition only: an upgrade flushes
// them on purpose and a rollback does not bring stale cache rows back.
std::map<std::string, std::string> database_fingerprint(sql::Connection& connection, const std::string& database);

// The differences, one line each, for a readable failure message.
std::string describe_differences(const std::map<std::string, std::string>& before,
                                 const std::map<std::string, std::string>& after, size_t limit = 20);

}  // namespace civiup::test
