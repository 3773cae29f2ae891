#include "hostile/hostile_site.hpp"

#include <atomic>

#include <fmt/format.h>
#include <unistd.h>

#include "support/fingerprint.hpp"
#include "support/test_server.hpp"

namespace civiup::hostile {

testbed::Site make_site(const fs::path& dir, const std::string& stem, const testbed::DatabaseServer& server,
                        bool databases_array_form) {
  static std::atomic<int> counter{0};
  std::string unique = fmt::format("h{}_{}_{}", ::getpid(), counter++, stem);
  testbed::SiteSpec spec;
  spec.backdrop_db = unique + "_bd";
  spec.civicrm_db = unique + "_crm";
  spec.civicrm_data_bytes = 64 * 1024;
  spec.release.file_count = 60;
  spec.release.total_bytes = 256 * 1024;
  spec.databases_array_form = databases_array_form;
  // The site's own account gets the test's password, so what the tests look
  // for (a special or distinctive password) is in the settings as before.
  spec.db_password = server.password;
  return testbed::generate_site(dir, server, spec);
}

fs::path good_release(const fs::path& dir, const std::string& version, size_t file_count, uint64_t total_bytes) {
  testbed::ReleaseSpec spec;
  spec.version = version;
  spec.file_count = file_count;
  spec.total_bytes = total_bytes;
  fs::create_directories(dir);
  return testbed::write_release_tarball(dir, spec);
}

State site_state(const testbed::Site& site) {
  return test::site_fingerprint(site.root, {site.backdrop_db, site.civicrm_db}, test::Mtimes::compare,
                                test::CacheRows::compare);
}

std::string state_differences(const State& before, const State& after) {
  return test::describe_differences(before, after);
}

std::string standin_upgrader() { return std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db"; }

test::ProcessResult run_civiup_on(const std::string& command, const testbed::Site& site, const fs::path& release,
                                  const std::vector<std::string>& extra,
                                  const std::map<std::string, std::string>& env) {
  std::vector<std::string> args = {command,          "--root",       site.root.string(), "--release",
                                   release.string(), "--db-upgrade", standin_upgrader()};
  if (command == "upgrade") args.emplace_back("--yes");
  args.insert(args.end(), extra.begin(), extra.end());
  test::ProcessOptions options;
  options.extra_env = env;
  return test::run_civiup(args, options);
}

std::string expect_one_line_error(const test::ProcessResult& result, int exit,
                                  const std::vector<std::string>& needles) {
  EXPECT_EQ(result.exit_code, exit) << "stdout: " << result.out << "\nstderr: " << result.err;
  const std::string& err = result.err;
  EXPECT_TRUE(err.starts_with("civiup: error: ")) << "stderr: " << err;
  EXPECT_TRUE(!err.empty() && err.find('\n') == err.size() - 1) << "not exactly one line on stderr: " << err;
  std::string line = err.substr(0, err.find('\n'));
  for (const std::string& needle : needles) {
    EXPECT_NE(line.find(needle), std::string::npos) << "'" << needle << "' not in: " << line;
  }
  return line;
}

void drop_databases(const testbed::Site& site) {
  auto admin = test::connect();
  test::execute(*admin, fmt::format("DROP DATABASE IF EXISTS `{}`", site.backdrop_db));
  test::execute(*admin, fmt::format("DROP DATABASE IF EXISTS `{}`", site.civicrm_db));
}

std::string database_version(const testbed::Site& site) {
  auto connection = test::connect(site.civicrm_db);
  auto values = test::query_column(*connection, "SELECT version FROM civicrm_domain ORDER BY id LIMIT 1");
  return values.empty() ? "(no row)" : values.front();
}

}  // namespace civiup::hostile
