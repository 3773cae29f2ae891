// civiup check, end to end: the built binary on generated sites and the real
// MariaDB.  A ready site exits 0 and prints its plan; each broken item is a
// problem and exit 2; in every scenario nothing changed on disk or in the DB.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "civiup/base/durable_file.hpp"
#include "civiup/transaction/journal.hpp"
#include "civiup/transaction/state_lock.hpp"
#include "civiup/upgrade/phase_plan.hpp"
#include "support/fingerprint.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"
#include "testbed/testbed.hpp"

namespace civiup {
namespace {

namespace fs = std::filesystem;

class Check : public ::testing::Test {
 protected:
  test::TempDir temp;
  testbed::Site site;
  fs::path release;
  test::Fingerprint before;

  void SetUp() override {
    test::require_test_server();
    static std::atomic<int> counter{0};
    std::string stem = fmt::format("chk{}_{}", ::getpid(), counter++);
    testbed::SiteSpec spec;
    spec.backdrop_db = stem + "_bd";
    spec.civicrm_db = stem + "_civi";
    spec.civicrm_data_bytes = 64 * 1024;
    customize(spec);
    site = testbed::generate_site(temp / "www", testbed::DatabaseServer::from_environment(), spec);
    release = release_tarball("5.75.0");
  }

  virtual void customize(testbed::SiteSpec&) {}

  void TearDown() override {
    if (HasFailure()) return;  // keep the databases of a failed test
    auto admin = test::connect();
    test::execute(*admin, fmt::format("DROP DATABASE IF EXISTS `{}`", site.backdrop_db));
    test::execute(*admin, fmt::format("DROP DATABASE IF EXISTS `{}`", site.civicrm_db));
  }

  fs::path release_tarball(const std::string& version, const std::string& cms = "Backdrop") {
    testbed::ReleaseSpec spec;
    spec.version = version;
    spec.cms = cms;
    spec.file_count = 60;
    spec.total_bytes = 256 * 1024;
    fs::path dir = temp / ("release-" + version + "-" + cms);
    fs::create_directories(dir);
    return testbed::write_release_tarball(dir, spec);
  }

  // A read-only command flushes nothing: caches' rows and mtimes count too.
  test::Fingerprint everything() const {
    return test::site_fingerprint(temp.path(), {site.backdrop_db, site.civicrm_db}, test::Mtimes::compare,
                                  test::CacheRows::compare);
  }

  // Runs check with --json after recording the state; asserts its exit code,
  // one JSON object on stdout, and that nothing changed.
  nlohmann::json run_check(std::vector<std::string> extra, int expected_exit,
                           const test::ProcessOptions& options = {}) {
    before = everything();
    std::vector<std::string> args = {"--json",    "check",          "--root",       site.root.string(),
                                     "--release", release.string(), "--db-upgrade", "/bin/true"};
    args.insert(args.end(), extra.begin(), extra.end());
    test::ProcessResult result = test::run_civiup(args, options);
    EXPECT_EQ(result.exit_code, expected_exit) << result.out << result.err;
    nlohmann::json json = nlohmann::json::parse(result.out, nullptr, false);
    EXPECT_FALSE(json.is_discarded()) << result.out;
    EXPECT_EQ(test::describe_differences(before, everything()), "");
    return json;
  }

  // The same, and the contract's fields, and no state directory made.
  nlohmann::json check(std::vector<std::string> extra, int expected_exit, const test::ProcessOptions& options = {}) {
    nlohmann::json json = run_check(std::move(extra), expected_exit, options);
    EXPECT_EQ(json["exit_code"], expected_exit);
    EXPECT_EQ(json["ok"], expected_exit == 0);
    EXPECT_EQ(json["ready"], expected_exit == 0);
    EXPECT_TRUE(json.contains("problems") && json["problems"].is_array()) << json;
    EXPECT_EQ(json["error"].is_null(), expected_exit == 0) << json;
    EXPECT_FALSE(fs::exists(site.root.string() + ".civiup")) << "check created the state directory";
    return json;
  }

  static bool has_problem(const nlohmann::json& json, std::string_view needle) {
    for (const auto& problem : json["problems"]) {
      if (problem.get<std::string>().find(needle) != std::string::npos) return true;
    }
    return false;
  }
};

#define EXPECT_PROBLEM(json, needle) EXPECT_TRUE(has_problem(json, needle)) << (json)["problems"].dump(2)

TEST_F(Check, ReadySiteExitsZeroWithThePlan) {
  nlohmann::json json = check({}, 0);
  EXPECT_TRUE(json["problems"].empty()) << json["problems"].dump(2);
  EXPECT_EQ(json["code_version"], "5.74.0");
  EXPECT_EQ(json["db_version"], "5.74.0");
  EXPECT_EQ(json["release_version"], "5.75.0");
  EXPECT_EQ(json["root"], site.root.string());
  auto modules = json["integration_modules"].get<std::vector<std::string>>();
  auto expected = site.integration_modules;
  std::sort(modules.begin(), modules.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(modules, expected);
  EXPECT_EQ(json["frontpage"], "node");
  EXPECT_EQ(json["maintenance_mode"], false);
  EXPECT_EQ(json["state_dir"]["path"], site.root.string() + ".civiup");
  EXPECT_EQ(json["state_dir"]["exchange_supported"], true);
  EXPECT_EQ(json["state_dir"]["same_filesystem"], true);
  EXPECT_EQ(json["files_writable"], true);
  ASSERT_EQ(json["databases"].size(), 2u);
  for (const auto& database : json["databases"]) {
    EXPECT_EQ(database["reachable"], true);
    EXPECT_TRUE(database["missing_privileges"].empty());
    const std::string& password = test::require_test_server().password;
    EXPECT_EQ(database["dsn"].get<std::string>().find(":" + password + "@"), std::string::npos) << "no password";
  }
  for (const char* tool : {"bee", "drush", "cv"}) EXPECT_TRUE(json["tools"].contains(tool)) << tool;
  // The plan is the upgrade's phases, the full database dump online before maintenance mode.
  auto names = json["phases"].get<std::vector<std::string>>();
  EXPECT_EQ(names, phases::phase_order("upgrade"));
  auto position = [&](const std::string& name) { return std::find(names.begin(), names.end(), name) - names.begin(); };
  EXPECT_LT(position("pre-snapshot-databases"), position("maintenance-on"));
  EXPECT_LT(position("maintenance-on"), position("snapshot-databases"));
  EXPECT_EQ(json["state_dir"]["trash_bytes"], 0);
}

TEST_F(Check, ModuleDisableOrderPutsDependentsFirst) {
  auto modules = check({}, 0)["integration_modules"].get<std::vector<std::string>>();
  auto position = [&](const std::string& name) {
    return std::find(modules.begin(), modules.end(), name) - modules.begin();
  };
  EXPECT_LT(position("civicrm_entity_reports"), position("civicrm_entity"));
  EXPECT_EQ(std::count(modules.begin(), modules.end(), "civicrm_group_roles"), 0) << "disabled already";
}

TEST_F(Check, TextPlanFromANestedDirectory) {
  before = everything();
  test::ProcessOptions options;
  options.cwd = site.root / "modules" / "civicrm";
  auto result = test::run_civiup({"check", "--release", release.string(), "--db-upgrade", "/bin/true"}, options);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("civiup check: " + site.root.string()), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("5.74.0 -> 5.75.0"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("disable integration modules: "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(fmt::format("plan (the {} phases of the upgrade", phases::phase_order("upgrade").size())),
            std::string::npos)
      << result.out;
  // Each phase with its reason from the phase table.
  for (const PlannedPhase& phase : phases::phase_plan("upgrade")) {
    EXPECT_NE(result.out.find(phase.name + " "), std::string::npos) << phase.name;
    EXPECT_NE(result.out.find(phase.why), std::string::npos) << phase.why;
  }
  EXPECT_LT(result.out.find("pre-snapshot: full dump of both databases"), result.out.find("in the maintenance window"))
      << result.out;
  EXPECT_NE(result.out.find("dump only the tables changed since the pre-snapshot"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("ready: the upgrade can proceed"), std::string::npos) << result.out;
  EXPECT_EQ(test::describe_differences(before, everything()), "");
}

// Trash left in the state directory (replaced trees waiting for deletion):
// shown, and counted as free space the upgrade would empty first.
TEST_F(Check, TrashInTheStateDirectoryIsShownAndCountsAsFree) {
  fs::path state = site.root.string() + ".civiup";
  fs::create_directories(state / "trash" / "staging-x");
  fs::permissions(state, fs::perms::owner_all, fs::perm_options::replace);
  write_file_durably(state / "trash" / "staging-x" / "big", std::string(1 << 20, 'x'), 0600);
  auto json_result = test::run_civiup(
      {"--json", "check", "--root", site.root.string(), "--release", release.string(), "--db-upgrade", "/bin/true"});
  ASSERT_EQ(json_result.exit_code, 0) << json_result.out << json_result.err;
  nlohmann::json json = nlohmann::json::parse(json_result.out);
  EXPECT_EQ(json["state_dir"]["trash_bytes"], 1 << 20);
  EXPECT_TRUE(json["state_dir"]["trash_deleter_pid"].is_null());
  auto text = test::run_civiup(
      {"check", "--root", site.root.string(), "--release", release.string(), "--db-upgrade", "/bin/true"});
  EXPECT_NE(text.out.find("trash: 1.0 MB left over"), std::string::npos) << text.out;
  EXPECT_TRUE(fs::exists(state / "trash" / "staging-x" / "big")) << "check deleted the trash";
}

TEST_F(Check, DowngradeSameVersionAndHalfUpgradedDatabase) {
  release = release_tarball("5.73.0");
  EXPECT_PROBLEM(check({}, 2), "refusing a downgrade");
  release = release_tarball("5.74.0");
  EXPECT_PROBLEM(check({}, 2), "release 5.74.0 is already installed");
  check({"--force"}, 0);
  release = release_tarball("5.75.0");
  test::execute(*test::connect(site.civicrm_db), "UPDATE civicrm_domain SET version = '5.75.0.upgrade'");
  nlohmann::json json = check({}, 2);
  EXPECT_PROBLEM(json, "did not finish");
  EXPECT_EQ(json["db_version"], "5.75.0.upgrade");
}

TEST_F(Check, DrupalReleaseIsRefused) {
  release = release_tarball("5.75.0", "Drupal");
  nlohmann::json json = check({}, 2);
  EXPECT_PROBLEM(json, "not 'Backdrop'");
  EXPECT_NE(json["error"].get<std::string>().find("not ready: "), std::string::npos);
}

TEST_F(Check, StateDirectoryInsideTheWebRootOrModules) {
  EXPECT_PROBLEM(check({"--state-dir", (site.root / "private").string()}, 2), "inside the web root");
  EXPECT_PROBLEM(check({"--state-dir", (site.root / "modules/.civiup").string()}, 2), "inside modules/");
  // Several problems at once: all of them listed.
  release = release_tarball("5.73.0");
  nlohmann::json json = check({"--state-dir", (site.root / "private").string()}, 2);
  EXPECT_PROBLEM(json, "inside the web root");
  EXPECT_PROBLEM(json, "refusing a downgrade");
  EXPECT_NE(json["error"].get<std::string>().find("(and 1 more)"), std::string::npos) << json["error"];
}

TEST_F(Check, SecondCivicrmCopyUnderModules) {
  fs::create_directories(site.root / "modules/old/civicrm/backdrop");
  fs::copy_file(site.root / "modules/civicrm/backdrop/civicrm.info",
                site.root / "modules/old/civicrm/backdrop/civicrm.info");
  nlohmann::json json = check({}, 2);
  EXPECT_PROBLEM(json, "modules/old/civicrm/backdrop/civicrm.info: a second copy of civicrm");
}

TEST_F(Check, UnreachableDatabase) {
  fs::path settings = site.root / "civicrm.settings.php";
  std::string text = civiup::read_file(settings);
  std::string port = fmt::format(":{}/", test::require_test_server().port);
  ASSERT_NE(text.find(port), std::string::npos);
  std::string broken = text;
  for (size_t at = broken.find(port); at != std::string::npos; at = broken.find(port, at + 1))
    broken.replace(at, port.size(), ":1/");
  test::write_text(settings, broken);
  nlohmann::json json = check({}, 2);
  EXPECT_PROBLEM(json, "civicrm database: connecting to mysql://");
  EXPECT_EQ(json["databases"][0]["reachable"], false);
}

TEST_F(Check, FilesDirectoryNotWritable) {
  ASSERT_EQ(::chmod((site.root / "files").c_str(), 0555), 0);
  nlohmann::json json = check({}, 2);
  ::chmod((site.root / "files").c_str(), 0755);
  EXPECT_PROBLEM(json, "files directory " + (site.root / "files").string() + ": not writable");
}

TEST_F(Check, NoDatabaseUpgradeCommand) {
  before = everything();
  test::ProcessOptions options;
  options.extra_env["PATH"] = "/nonexistent";
  auto result =
      test::run_civiup({"--json", "check", "--root", site.root.string(), "--release", release.string()}, options);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  nlohmann::json json = nlohmann::json::parse(result.out);
  EXPECT_PROBLEM(json, "no DB upgrade command: neither cv, drush nor php is on PATH");
  EXPECT_TRUE(json["upgrader"]["kind"].is_null()) << json["upgrader"];
  EXPECT_EQ(test::describe_differences(before, everything()), "");
}

// Without cv and drush, civiup's own runner: on bee when bee is used, else on php.
TEST_F(Check, SaysWhichUpgraderWillRunAndWhy) {
  before = everything();
  test::ProcessOptions options;
  options.extra_env["PATH"] = "/usr/bin:/bin";
  auto check_with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"--json", "check", "--root", site.root.string(), "--release", release.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = test::run_civiup(args, options);
    return nlohmann::json::parse(result.out)["upgrader"];
  };
  nlohmann::json php = check_with({"--bee", "none"});
  EXPECT_EQ(php["kind"], "runner-php") << php;
  EXPECT_EQ(php["command"][0], "php") << php;
  EXPECT_NE(php["command"][1].get<std::string>().find("civiup-upgrade-db.php"), std::string::npos) << php;
  EXPECT_NE(php["reason"].get<std::string>().find("neither cv nor drush"), std::string::npos) << php;
  nlohmann::json bee = check_with({"--bee", "/usr/bin/true"});
  EXPECT_EQ(bee["kind"], "runner-bee") << bee;
  EXPECT_EQ(bee["command"][1], "--root=" + site.root.string()) << bee;
  EXPECT_EQ(bee["command"][2], "php-script") << bee;
  nlohmann::json given = check_with({"--db-upgrade", "/usr/bin/true"});
  EXPECT_EQ(given["kind"], "command") << given;
  EXPECT_EQ(given["reason"], "given with --db-upgrade") << given;
  auto human = test::run_civiup({"check", "--root", site.root.string(), "--release", release.string(), "--bee", "none"},
                                options);
  EXPECT_NE(human.out.find("upgrade the database: php "), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("(neither cv nor drush is on PATH"), std::string::npos) << human.out;
  EXPECT_EQ(test::describe_differences(before, everything()), "");
}

TEST_F(Check, UnfinishedJournalSaysRecover) {
  fs::path state = site.root.string() + ".civiup";
  fs::create_directories(state);
  ::chmod(state.c_str(), 0700);
  JournalRecord record;
  record.transaction = "upgrade";
  record.id = "20261126T000000Z-1";
  record.started_at = "2026-11-26T00:00:00Z";
  record.pid = 999999;
  Journal(state / "journal.json").save(record);
  nlohmann::json json;
  { json = run_check({}, 2); }
  EXPECT_PROBLEM(json, "run `civiup recover` first");
  fs::remove_all(state);
}

TEST_F(Check, NoBackdropRootOrNoReleaseOption) {
  test::ProcessOptions options;
  options.cwd = temp.path();
  auto result = test::run_civiup({"--json", "check", "--release", release.string()}, options);
  EXPECT_EQ(result.exit_code, 2);
  nlohmann::json json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["ready"], false);
  EXPECT_NE(json["error"].get<std::string>().find("no Backdrop root at or above"), std::string::npos) << result.out;
  result = test::run_civiup({"check", "--root", site.root.string()});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "civiup: error: civiup check: --release FILE, --latest or --version X.Y.Z is required\n");
}

TEST_F(Check, UserWithoutThePrivilegesAnUpgradeNeeds) {
  const std::string user = fmt::format("chk_ro{}", ::getpid() % 100000);
  auto admin = test::connect();
  test::execute(*admin, fmt::format("DROP USER IF EXISTS '{}'@'%'", user));
  test::execute(*admin, fmt::format("CREATE USER '{}'@'%' IDENTIFIED BY 'ro-pass'", user));
  test::execute(*admin,
                fmt::format("GRANT SELECT, INSERT, UPDATE, DELETE ON `{}`.* TO '{}'@'%'", site.civicrm_db, user));
  testbed::DatabaseServer server = site.account;
  fs::path settings = site.root / "civicrm.settings.php";
  std::string text = civiup::read_file(settings);
  std::string dsn = server.dsn(site.civicrm_db);
  size_t at = text.find("'" + dsn);
  ASSERT_NE(at, std::string::npos) << text;
  server.user = user;
  server.password = "ro-pass";
  text.replace(at + 1, dsn.size(), server.dsn(site.civicrm_db));
  test::write_text(settings, text);
  nlohmann::json json = check({}, 2);
  test::execute(*admin, fmt::format("DROP USER '{}'@'%'", user));
  EXPECT_PROBLEM(json, fmt::format("civicrm database mysql://{}@", user));
  EXPECT_PROBLEM(json, "lacks CREATE, DROP, ALTER, INDEX");
  EXPECT_EQ(json["db_version"], "5.74.0");  // it can still read
}

// The other settings forms: one shared database, the $databases array, a
// table prefix, and a CiviCRM front page.
class CheckSharedPrefixedSite : public Check {
 protected:
  void customize(testbed::SiteSpec& spec) override {
    spec.civicrm_db = spec.backdrop_db;
    spec.databases_array_form = true;
    spec.table_prefix = "bd_";
    spec.site_frontpage = "civicrm/dashboard";
  }
};

TEST_F(CheckSharedPrefixedSite, ReadyWithOneDatabaseAndACivicrmFrontPage) {
  nlohmann::json json = check({}, 0);
  ASSERT_EQ(json["databases"].size(), 1u) << json.dump(2);
  EXPECT_EQ(json["databases"][0]["role"], "civicrm+backdrop");
  EXPECT_EQ(json["frontpage"], "civicrm/dashboard");
  EXPECT_EQ(json["frontpage_is_civicrm"], true);
  auto modules = json["integration_modules"].get<std::vector<std::string>>();
  auto expected = site.integration_modules;
  std::sort(modules.begin(), modules.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(modules, expected) << "the prefixed system table was read";
}

TEST_F(Check, AnotherCivicrmRunningHoldsTheStateDirectory) {
  fs::path state = site.root.string() + ".civiup";
  fs::create_directories(state);
  ::chmod(state.c_str(), 0700);
  nlohmann::json json;
  {
    StateLock lock(state);  // as a running upgrade holds it
    json = run_check({}, 2);
  }
  EXPECT_PROBLEM(json, fmt::format("in use by another civiup (pid {})", ::getpid()));
  fs::remove_all(state);
}

TEST_F(Check, BrokenL10nTarballIsAProblem) {
  fs::path l10n = temp / "civicrm-5.75.0-l10n.tar.gz";
  test::write_text(l10n, "<html>404</html>\n");
  nlohmann::json json = check({"--l10n", l10n.string()}, 2);
  EXPECT_PROBLEM(json, l10n.string() + ": not a gzip'd tar archive");
  EXPECT_EQ(json["release_version"], "5.75.0") << "the release itself was fine";
}

TEST_F(Check, SymlinkedCivicrmDirectory) {
  fs::rename(site.root / "modules/civicrm", temp / "civicrm-5.74.0");
  fs::create_directory_symlink(temp / "civicrm-5.74.0", site.root / "modules/civicrm");
  nlohmann::json json = check({}, 2);
  EXPECT_PROBLEM(json, "modules/civicrm: a symlink");
  EXPECT_EQ(json["code_version"], "5.74.0");
}

}  // namespace
}  // namespace civiup

namespace civiup {
namespace {

const nlohmann::json* find_extension(const nlohmann::json& json, const std::string& key) {
  for (const auto& extension : json["extensions"]) {
    if (extension["key"] == key) return &extension;
  }
  return nullptr;
}

// Issue 14 point 3: the enabled extensions and their directory, and what the
// release's extension-compatibility.json has CiviCRM do to them.
TEST_F(Check, EnabledExtensionsAndTheirDirectory) {
  nlohmann::json json = check({}, 0);
  fs::path ext = site.root / "files" / "civicrm" / "ext";
  EXPECT_EQ(json["extensions_dir"]["path"], ext.string());
  EXPECT_EQ(json["extensions_dir"]["setting"], "[civicrm.files]/ext/");
  EXPECT_EQ(json["extensions_dir"]["source"], "default");
  EXPECT_EQ(json["extensions_dir"]["in_code_snapshot"], true);
  EXPECT_EQ(json["extensions_dir"]["release_has_compatibility_file"], true);
  const nlohmann::json* donorsearch = find_extension(json, "org.example.donorsearch");
  ASSERT_NE(donorsearch, nullptr) << json["extensions"].dump(2);
  EXPECT_EQ((*donorsearch)["path"], (ext / "donorsearch").string());
  EXPECT_EQ((*donorsearch)["location"], "extensions-dir");
  EXPECT_EQ((*donorsearch)["upgrade_action"], "none");
  const nlohmann::json* search_kit = find_extension(json, "org.civicrm.search_kit");
  ASSERT_NE(search_kit, nullptr);
  EXPECT_EQ((*search_kit)["location"], "release");
  EXPECT_EQ((*search_kit)["path"], (site.root / "modules/civicrm/ext/search_kit").string());
  // Installed but disabled: not listed.
  EXPECT_EQ(find_extension(json, "uk.co.vedaconsulting.mosaico"), nullptr);
  EXPECT_EQ(json["extensions"].size(), 6u) << json["extensions"].dump(2);

  // And the default health check the upgrade would run: the site's URL is a closed port.
  EXPECT_EQ(json["health_check"]["checked"], false);
  EXPECT_NE(json["health_check"]["skipped"].get<std::string>().find("http://127.0.0.1:1/"), std::string::npos)
      << json["health_check"];
}

class CheckCompatibility : public Check {
 protected:
  fs::path release_with_compatibility(const std::string& json) {
    testbed::ReleaseSpec spec;
    spec.version = "5.75.0";
    spec.file_count = 60;
    spec.total_bytes = 256 * 1024;
    spec.extension_compatibility = json;
    fs::path dir = temp / "release-compat";
    fs::create_directories(dir);
    return testbed::write_release_tarball(dir, spec);
  }
};

TEST_F(CheckCompatibility, ExtensionsTheUpgradeWillDisableOrUninstallAreFlagged) {
  release = release_with_compatibility(
      R"({"com.example.legacyreports": {"obsolete": "5.75", "disable": true, "uninstall": true},)"
      R"( "org.example.donorsearch": {"obsolete": "5.75", "force-uninstall": true},)"
      R"( "not.installed.anywhere": {"obsolete": "5.10", "disable": true}})");
  nlohmann::json json = check({}, 0);  // CiviCRM's own decision: flagged, not refused
  const nlohmann::json* legacy = find_extension(json, "com.example.legacyreports");
  ASSERT_NE(legacy, nullptr);
  EXPECT_EQ((*legacy)["upgrade_action"], "disable, uninstall");
  EXPECT_EQ((*legacy)["obsolete"], "5.75");
  EXPECT_EQ((*find_extension(json, "org.example.donorsearch"))["upgrade_action"], "force-uninstall");
  EXPECT_EQ((*find_extension(json, "org.civicrm.afform"))["upgrade_action"], "none");
  std::string notes = json["notes"].dump();
  EXPECT_NE(notes.find("extension com.example.legacyreports: this upgrade will disable and uninstall it"),
            std::string::npos)
      << notes;
  EXPECT_EQ(notes.find("not.installed.anywhere"), std::string::npos) << notes;

  // The text plan says the same.
  test::ProcessResult text = test::run_civiup(
      {"check", "--root", site.root.string(), "--release", release.string(), "--db-upgrade", "/bin/true"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("com.example.legacyreports (" + (site.root / "files/civicrm/ext/legacyreports").string() +
                          ")  <- the upgrade will disable, uninstall"),
            std::string::npos)
      << text.out;
}

class CheckCustomExtensionsDir : public Check {
  void customize(testbed::SiteSpec& spec) override {
    spec.extensions_dir = "sites/all/extensions";
    spec.extensions_dir_setting = "[cms.root]/sites/all/extensions/";
  }
};

TEST_F(CheckCustomExtensionsDir, TheSettingInTheDatabaseIsFollowed) {
  nlohmann::json json = check({}, 0);
  EXPECT_EQ(json["extensions_dir"]["path"], (site.root / "sites/all/extensions").string());
  EXPECT_EQ(json["extensions_dir"]["source"], "civicrm_setting table");
  EXPECT_EQ(json["extensions_dir"]["in_code_snapshot"], true);
  const nlohmann::json* donorsearch = find_extension(json, "org.example.donorsearch");
  ASSERT_NE(donorsearch, nullptr);
  EXPECT_EQ((*donorsearch)["path"], (site.root / "sites/all/extensions/donorsearch").string());
}

}  // namespace
}  // namespace civiup
