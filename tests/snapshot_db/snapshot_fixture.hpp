#pragma once
// Shared steps of the database snapshot scenarios: the library's login for the
// test server, dump/restore into scratch databases, and the comparison of two
// databases' fingerprints (support/fingerprint.hpp) that must match to count as equal.
#include <chrono>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <string>

#include <cppconn/connection.h>
#include <gtest/gtest.h>

#include "civiup/snapshot/db/database_dump.hpp"
#include "civiup/snapshot/db/database_restore.hpp"
#include "support/fingerprint.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"

namespace civiup::test {

namespace db = civiup::snapshot::db;

// The test server as the library's login (TCP, the civiup user).
db::DatabaseLogin snapshot_login();

// Fails the test with every differing key when the two fingerprints differ.
void expect_same_image(const Fingerprint& original, const Fingerprint& copy);

// Runs each statement of `script` (split on `separator`) in `database`.
void run_sql(const std::string& database, const std::string& script, const std::string& separator = ";\n");

// The content of all files of `dir` whose names start with `prefix`, decompressed.
std::string dump_text(const std::filesystem::path& dir, const std::string& prefix = "");

// Replaces the first `from` in the data file `file` of the dump in `dir` by
// `to` (same length) and records the new compressed size in the manifest: a
// changed value that still decompresses and has the SQL size the manifest says.
void change_dump_file(const std::filesystem::path& dir, const std::string& file, const std::string& from,
                      const std::string& to);

// Dump `original`, restore into a fresh database, expect the same image.
// Returns the dump directory (inside `temp`).
std::filesystem::path expect_round_trip(const TempDir& temp, const std::string& original,
                                        const db::DumpOptions& options = {});

// The same, restoring into `copy`, which the caller may then query.
std::filesystem::path expect_round_trip_into(const TempDir& temp, const std::string& original,
                                             const ScratchDatabase& copy, const db::DumpOptions& options = {});

// The same for a scratch database (named from `prefix`) that `sql` makes;
// the database is dropped on return, the dump stays.
std::filesystem::path expect_round_trip_of(const TempDir& temp, const std::string& prefix, const std::string& sql);

// Runs `change` on `live`, which was `before` when it was dumped into `dump`,
// restores it selectively from that dump and expects it as it was.
db::RestoreReport restore_as_before(const std::string& live, const std::filesystem::path& dump,
                                    const Fingerprint& before, const std::string& change,
                                    const db::RestoreOptions& options = {});

// The same with a plain dump of `live` into `dump` first.
db::RestoreReport restore_after(const std::string& live, const std::filesystem::path& dump, const std::string& change,
                                const db::RestoreOptions& options = {});

// Error messages must be one line naming the object and the cause.
bool is_one_line(const std::string& message);

// KILLs the first connection that information_schema.PROCESSLIST shows
// matching `condition` (SQL), looking until `work` ends or 120 s pass.
// True when one was killed.
bool kill_when_running(const std::string& condition, const std::future<void>& work);

// A library call that hangs must fail the test, not the suite's timeout: waits
// for `work`; past `limit` it reports what the server was doing and aborts.
void expect_ends_within(const std::future<void>& work, std::chrono::seconds limit, const std::string& what);

}  // namespace civiup::test
