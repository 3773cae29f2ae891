#pragma once
// Everything `civiup check` must leave alone, captured to compare: every
// entry under a directory (type, mode, owner, size, mtime, content, link
// target) and every table of a database (definition and CHECKSUM TABLE),
// caches included — a read-only command flushes nothing.
#include <filesystem>
#include <map>
#include <string>

namespace civiup::test {

using SiteState = std::map<std::string, std::string>;

// Entries of `dir` (recursively), keyed "file:<relative path>".
SiteState tree_state(const std::filesystem::path& dir);

// Tables of `database` on the test server, keyed "table:<database>.<name>".
SiteState database_state(const std::string& database);

// One line per difference, for failure messages ("" when equal).
std::string differences(const SiteState& before, const SiteState& after);

}  // namespace civiup::test
