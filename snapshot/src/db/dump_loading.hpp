#pragma once
// Loading a dump's files, and running work over several connections at once.
#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "civiup/base/parallel_for.hpp"
#include "civiup/snapshot/db/database_login.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {

using Task = std::function<void(Session&)>;

// Runs `tasks` over `jobs` connections of their own (parallel_for: the first
// error stops the rest).  For work without a connection, parallel_for itself.
void run_parallel(const DatabaseLogin& login, const std::string& database, int jobs, const std::vector<Task>& tasks);

// Loads one file of the dump in `dir`.  A data file's own START TRANSACTION and
// COMMIT are skipped (the caller decides the transaction); `at_begin` runs
// where its START TRANSACTION was, after the header's SET statements.  With
// `parts` > 1, only the INSERTs that start in the part-th of `parts` equal
// slices of a data file's SQL: the other parts load over other connections.
void load_file(Session& session, const std::filesystem::path& dir, const DumpFile& file,
               const std::string& at_begin = "", size_t part = 0, size_t parts = 1);

// The file decompresses, matches its zstd content checksum and has the SQL size
// the manifest says.
void check_file(const std::filesystem::path& dir, const DumpFile& file);

}  // namespace civiup::snapshot::db
