#pragma once
// The end-to-end fixture: a generated Backdrop + CiviCRM site (5.74.0) on the
// private MariaDB, a release tarball (5.75.0), the built civiup run as a real
// process with the stand-in DB upgrade command, and the site's state as the
// tests compare it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "civiup/base/durable_file.hpp"
#include "civiup/transaction/journal.hpp"
#include "support/fingerprint.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"
#include "support/text.hpp"
#include "testbed/testbed.hpp"

namespace civiup {
namespace fs = std::filesystem;
using test::ProcessResult;
using test::read_file_if_present;

constexpr const char* kFrom = "5.74.0";
constexpr const char* kTo = "5.75.0";

struct SiteState {
  test::Fingerprint tree;
  test::Fingerprint backdrop;
  test::Fingerprint civicrm;
};

class UpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::require_test_server();
    make_site_and_release(tmp_ / "site", default_site_spec());
  }

  // The site (version kFrom, the scratch databases, a CiviCRM front page).
  testbed::SiteSpec default_site_spec() const {
    testbed::SiteSpec spec;
    spec.version = kFrom;
    spec.backdrop_db = backdrop_db_.name();
    spec.civicrm_db = civicrm_db_.name();
    spec.site_frontpage = "civicrm/dashboard";
    return spec;
  }

  // Generates the site at `root` and the release tarball (kTo).
  void make_site_and_release(const fs::path& root, const testbed::SiteSpec& spec,
                             const testbed::DatabaseServer& server = testbed::DatabaseServer::from_environment()) {
    site_ = testbed::generate_site(root, server, spec);
    testbed::ReleaseSpec release;
    release.version = kTo;
    release_ = testbed::write_release_tarball(tmp_.path(), release);
  }

  SiteState state() {
    return {test::tree_fingerprint(site_.root), site_database(site_.backdrop_db), site_database(site_.civicrm_db)};
  }

  // A database of the site as the upgrade tests compare it: an upgrade
  // flushes caches, a rollback does not bring their rows back.
  static test::Fingerprint site_database(const std::string& database) {
    return test::database_fingerprint(database, test::CacheRows::ignore);
  }

  void expect_same(const SiteState& before, const SiteState& after) {
    EXPECT_TRUE(before.tree == after.tree) << "code tree differs:\n"
                                           << test::describe_differences(before.tree, after.tree);
    EXPECT_TRUE(before.backdrop == after.backdrop) << "Backdrop database differs:\n"
                                                   << test::describe_differences(before.backdrop, after.backdrop);
    EXPECT_TRUE(before.civicrm == after.civicrm) << "CiviCRM database differs:\n"
                                                 << test::describe_differences(before.civicrm, after.civicrm);
  }

  ProcessResult upgrade(std::map<std::string, std::string> env = {}, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"upgrade", "--root", site_.root.string(), "--release", release_.string(),
                                     "--yes",   "--json"};
    // A test's own --bee replaces the runner's "--bee none".
    bool own_bee = std::find(extra.begin(), extra.end(), "--bee") != extra.end();
    if (!(own_bee && upgrader_ == "runner")) args.insert(args.end(), upgrader_args().begin(), upgrader_args().end());
    args.insert(args.end(), extra.begin(), extra.end());
    test::ProcessOptions options;
    if (upgrader_ == "runner") env.emplace("PATH", "/usr/bin:/bin");  // php, and no cv or drush
    options.extra_env = std::move(env);
    return test::run_civiup(args, options);
  }

  // "standin": the C++ stand-in `cv upgrade:db` as --db-upgrade; "runner":
  // civiup's own PHP runner on the release's PHP stand-in of CiviCRM (no
  // --db-upgrade, no cv or drush on PATH, `php FILE` as bee is not used).
  const std::vector<std::string>& upgrader_args() const {
    static const std::vector<std::string> standin = {"--db-upgrade",
                                                     std::string(CIVIUP_TESTBED_BINARY) + " upgrade-db"};
    static const std::vector<std::string> runner = {"--bee", "none"};
    return upgrader_ == "runner" ? runner : standin;
  }
  std::string upgrader_ = "standin";

  static nlohmann::json json_of(const ProcessResult& result) {
    try {
      return nlohmann::json::parse(result.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "stdout is not one JSON object: " << result.out << "\nstderr: " << result.err;
      return {};
    }
  }

  std::string query(const std::string& database, const std::string& sql) {
    auto connection = test::connect(database);
    auto values = test::query_column(*connection, sql);
    return values.empty() ? "(no row)" : values.front();
  }

  fs::path state_dir() const { return fs::path(site_.root.string() + ".civiup"); }

  // The site's account has ALL on its own databases only; a rehearsal's copy
  // databases are new, so it gets what a hosting panel grants for a prefix
  // (README "Troubleshooting privileges"): ALL on `<prefix>%`.*.
  void grant_prefix(const std::string& prefix) {
    std::string pattern;
    for (char c : prefix) pattern += c == '_' ? std::string("\\_") : std::string(1, c);
    auto connection = test::connect();
    test::execute(*connection, fmt::format("GRANT ALL ON `{}%`.* TO '{}'@'%'", pattern, site_.account.user));
  }

  // The pid of the civiup whose journal shows its DB upgrade command running
  // (waits up to 20 s; 0 if it never got there).
  int civiup_pid_once_upgrader_runs() const {
    fs::path journal = state_dir() / "journal.json";
    for (int i = 0; i < 400; ++i) {
      if (read_file_if_present(journal).find("child_pgid") != std::string::npos) return Journal(journal).load()->pid;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }

  // An upgrade whose DB upgrade hangs, with `signal` sent to civiup once the
  // upgrader runs; civiup's result. The upgrade is joined whatever happens
  // (a test that returned early would leave a running thread behind).
  ProcessResult upgrade_signalled_in_db_upgrade(int signal) {
    ProcessResult result;
    std::thread running([&] {
      result = upgrade({{"CIVIUP_STANDIN_HANG", "create-table"}}, {"--db-upgrade-timeout", "60"});
    });
    int pid = civiup_pid_once_upgrader_runs();
    if (pid != 0) {
      ::kill(pid, signal);
    } else {
      ADD_FAILURE() << "the upgrade never reached its DB upgrade";
    }
    running.join();
    return result;
  }

  test::TempDir tmp_;
  test::ScratchDatabase backdrop_db_{"bd"};
  test::ScratchDatabase civicrm_db_{"crm"};
  testbed::Site site_;
  fs::path release_;
};

// The same site with the server's own account in its settings instead of the
// site's (RELOAD, PROCESS, SUPER): its dumps take BACKUP STAGE, and civiup can
// see the site's open transactions.
class PrivilegedUpgradeTest : public UpgradeTest {
 protected:
  void SetUp() override {
    test::require_test_server();
    testbed::SiteSpec spec = default_site_spec();
    spec.privileged_db_user = true;
    make_site_and_release(tmp_ / "site", spec);
  }
};

// The upgrader failure scenarios run with both upgraders (tests/upgrade/upgrade_test.cpp).
class UpgraderTest : public UpgradeTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    upgrader_ = GetParam();
    UpgradeTest::SetUp();
  }
};

}  // namespace civiup
