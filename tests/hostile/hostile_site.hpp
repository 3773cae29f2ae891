#pragma once
// What every hostile case shares: a generated Backdrop + CiviCRM site (5.74.0)
// on the private MariaDB, the built civiup run as a real process, and the
// site's complete state to compare — every entry of the tree (type, mode,
// owner, size, mtime, content), every table of both databases by CHECKSUM
// TABLE (caches too: a refused run flushes nothing) and every object by its
// definition (SHOW CREATE, triggers, routines).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "testbed/testbed.hpp"

namespace civiup::hostile {

namespace fs = std::filesystem;

constexpr const char* kFrom = "5.74.0";
constexpr const char* kTo = "5.75.0";

using State = std::map<std::string, std::string>;

// A small site (a few hundred files, a few hundred kB of CiviCRM rows) with
// unique database names, under `dir` (created).  `server` defaults to the
// test server's credentials.
testbed::Site make_site(const fs::path& dir, const std::string& stem,
                        const testbed::DatabaseServer& server = testbed::DatabaseServer::from_environment(),
                        bool databases_array_form = false);

// A small, valid release tarball for Backdrop at `version` in `dir`; about
// `file_count` files, `total_bytes` unpacked.
fs::path good_release(const fs::path& dir, const std::string& version = kTo, size_t file_count = 60,
                      uint64_t total_bytes = 256 * 1024);

// The tree under `root` and both databases.
State site_state(const testbed::Site& site);

// One line per difference ("" when equal).
std::string state_differences(const State& before, const State& after);

// The stand-in DB upgrade command (the testbed's `upgrade-db`).
std::string standin_upgrader();

// civiup `command` (upgrade or check) on `site` with `release`, text output;
// upgrade answers --yes.  `extra` goes after the command's own options.
test::ProcessResult run_civiup_on(const std::string& command, const testbed::Site& site, const fs::path& release,
                                  const std::vector<std::string>& extra = {},
                                  const std::map<std::string, std::string>& env = {});

// Asserts the contract of a refusal: `exit` as expected, stderr exactly one
// line "civiup: error: ..." holding every one of `needles`.  Returns that line.
std::string expect_one_line_error(const test::ProcessResult& result, int exit, const std::vector<std::string>& needles);

// Drops both databases of `site` (after a passing case; a failing one keeps them).
void drop_databases(const testbed::Site& site);

// The current CiviCRM version in civicrm_domain.
std::string database_version(const testbed::Site& site);

}  // namespace civiup::hostile
