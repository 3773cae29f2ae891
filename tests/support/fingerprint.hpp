#pragma once
// What the tests compare to say "exactly as it was": every entry of a
// directory tree, and every object of a database (definitions as the server
// shows them, CHECKSUM TABLE for rows).  One helper for the upgrade, check,
// hostile and snapshot tests, so each compares at least what any of them did.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <cppconn/connection.h>

namespace civiup::test {

using Fingerprint = std::map<std::string, std::string>;

// Modification times change when a file is rewritten with the same bytes (or a
// directory gains and loses an entry): read-only commands must not do that,
// while a rollback legitimately brings back the content with new times.
enum class Mtimes { ignore, compare };

// Relative path ("." for the root) -> "mode uid:gid[ mtime S.NS[ size]][ size hash | -> target]"
// (with mtimes, the size of every entry; without, of regular files only).
Fingerprint tree_fingerprint(const std::filesystem::path& root, Mtimes mtimes = Mtimes::ignore);

// An upgrade flushes caches on purpose and a rollback does not bring stale
// cache rows back: such runs compare cache tables (cache, cache_*, *_cache*) by
// definition only.
enum class CacheRows { compare, ignore };

// Object key -> its definition, with the database's own name replaced by `DB`
// (so a copy in another database compares equal): "database" (character set
// and collation), "table T" (SHOW CREATE TABLE), "checksum T" (CHECKSUM TABLE
// EXTENDED), "history rows T" (system-versioned tables), "view V",
// "trigger X", "function F", "procedure P", "event E".  Names are qualified
// with `database`, so `connection` may be to another database or another server.
Fingerprint database_fingerprint(sql::Connection& connection, const std::string& database,
                                 CacheRows cache_rows = CacheRows::compare);
// The same through a new connection into `database` on the test server.
Fingerprint database_fingerprint(const std::string& database, CacheRows cache_rows = CacheRows::compare);

// A site in one map: the tree under `root` (keys "file PATH") and each of
// `databases` on the test server (keys "NAME KEY").
Fingerprint site_fingerprint(const std::filesystem::path& root, const std::vector<std::string>& databases,
                             Mtimes mtimes, CacheRows cache_rows);

// The differences, one line each ("" when equal), for failure messages: a
// changed value is shown from a little before its first differing byte.
std::string describe_differences(const Fingerprint& before, const Fingerprint& after, size_t limit = 20);

}  // namespace civiup::test
