// Broken sites, end to end: for each, a fresh generated site is broken one way,
// then the built civiup's `upgrade` and `check` run on it with a good release.
// A refusal is exit 2 and one line naming the object and the cause, and the
// site's tree and both databases are exactly as before.  One case is not
// broken at all but hard: a DB password full of URL and PHP metacharacters
// must simply work.
#include <gtest/gtest.h>

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <iostream>
#include <optional>
#include <regex>

#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "hostile/hostile_site.hpp"
#include "support/test_server.hpp"

namespace civiup::hostile {
namespace {

// What a case may change about its run.  Cases share one site: each breaks
// it, registers how to mend it, and the next case starts from the mended site.
struct CaseRun {
  const testbed::Site& site;
  const fs::path& dir;                      // the case's own scratch dir (outside the site)
  fs::path state_dir;                       // must not exist after a refusal
  std::vector<std::function<void()>> mend;  // run newest first after the case

  // Moves `file` aside (so its inode and times come back as they were) and
  // writes `text` in its place; `text` nullopt: just removes it.
  void replace_file(const fs::path& file, const std::optional<std::string>& text) {
    fs::path aside = dir / ("aside-" + file.filename().string());
    fs::rename(file, aside);
    mend.emplace_back([file, aside] {
      std::error_code ignored;
      fs::remove(file, ignored);
      fs::rename(aside, file);
    });
    if (text) test::write_text(file, *text);
  }
  void edit_file(const fs::path& file, const std::string& from, const std::string& to) {
    std::string text = read_file(file);
    size_t count = 0;
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()), ++count) {
      text.replace(at, from.size(), to);
    }
    if (count == 0) throw std::runtime_error(fmt::format("{}: '{}' not found", file.string(), from));
    replace_file(file, text);
  }
};

struct BrokenSite {
  std::string name;
  std::function<void(CaseRun&)> breakit;
  std::vector<std::string> needles;  // in the error line of upgrade and of check
};

// Failed assertions so far in this test (each case counts its own).
int failure_count() { return ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count(); }

void sql(const testbed::Site& site, const std::string& statement) {
  auto connection = test::connect(site.civicrm_db);
  test::execute(*connection, "SET FOREIGN_KEY_CHECKS = 0");
  test::execute(*connection, statement);
}

// A password with every character a DSN, a PHP string or SQL could trip on.
const std::string kSpecialPassword = R"(p@ss:w/rd?#[x]&%41+ 'q"$x\n;=!)";
const std::string kSpecialUser = "civiup_sp";

std::string sql_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  return out + "'";
}

void set_special_user(bool present) {
  auto admin = test::connect();
  for (const char* host : {"%", "localhost"}) {
    std::string account = fmt::format("'{}'@'{}'", kSpecialUser, host);
    test::execute(*admin, "DROP USER IF EXISTS " + account);
    if (!present) continue;
    test::execute(*admin, fmt::format("CREATE USER {} IDENTIFIED BY {}", account, sql_quote(kSpecialPassword)));
    test::execute(*admin, fmt::format("GRANT ALL PRIVILEGES ON *.* TO {} WITH GRANT OPTION", account));
  }
}

// A tmpfs of our own (the suite runs as root in CI and here); else /dev/shm
// when it is another filesystem than the site's.  Empty when neither is possible.
fs::path other_filesystem(CaseRun& run) {
  fs::path mount_point = run.dir / "tmpfs";
  fs::create_directories(mount_point);
  if (::mount("civiup-hostile", mount_point.c_str(), "tmpfs", 0, "size=16m,mode=0700") == 0) {
    run.mend.emplace_back([mount_point] { ::umount2(mount_point.c_str(), MNT_DETACH); });
    return mount_point;
  }
  std::cout << fmt::format("[ hostile  ] cannot mount a tmpfs ({}); using /dev/shm\n", std::strerror(errno));
  struct stat shm {
  }, site{};
  if (::stat("/dev/shm", &shm) == 0 && ::stat(run.dir.c_str(), &site) == 0 && shm.st_dev != site.st_dev) {
    fs::path scratch = fs::path("/dev/shm") / fmt::format("civiup-hostile-{}", ::getpid());
    fs::create_directories(scratch);
    run.mend.emplace_back([scratch] { fs::remove_all(scratch); });
    return scratch;
  }
  return {};
}

std::vector<BrokenSite> broken_sites() {
  const std::string password = test::require_test_server().password;
  const std::string port = fmt::format(":{}/", test::require_test_server().port);
  return {
      {"no-settings-php",
       [](CaseRun& run) { run.replace_file(run.site.root / "settings.php", std::nullopt); },
       {"not a Backdrop root: no settings.php"}},
      {"settings-without-database",
       [](CaseRun& run) { run.edit_file(run.site.root / "settings.php", "$database = ", "$db_url = "); },
       {"settings.php", "no database settings"}},
      {"no-civicrm-settings-php",
       [](CaseRun& run) { run.replace_file(run.site.root / "civicrm.settings.php", std::nullopt); },
       {"civicrm.settings.php: not found"}},
      {"dsn-from-getenv",
       [](CaseRun& run) {
         fs::path file = run.site.root / "civicrm.settings.php";
         run.replace_file(file, std::regex_replace(read_file(file), std::regex(R"(define\('CIVICRM_DSN', '[^']*'\);)"),
                                                   "define('CIVICRM_DSN', getenv('CIVICRM_DSN'));"));
       },
       {"civicrm.settings.php", "CIVICRM_DSN is not a plain string: it is a call of getenv()"}},
      {"unreachable-database",
       [port](CaseRun& run) {
         run.edit_file(run.site.root / "settings.php", port, ":1/");
         run.edit_file(run.site.root / "civicrm.settings.php", port, ":1/");
       },
       {"civicrm database", ":1/", "Can't connect"}},
      {"wrong-password",
       [password](CaseRun& run) {
         run.edit_file(run.site.root / "settings.php", password, "wrong-pw-4711");
         run.edit_file(run.site.root / "civicrm.settings.php", password, "wrong-pw-4711");
       },
       {"civicrm database", "Access denied"}},
      {"no-civicrm-domain",
       [](CaseRun& run) {
         sql(run.site, "RENAME TABLE civicrm_domain TO civiup_hidden_domain");
         run.mend.emplace_back(
             [&site = run.site] { sql(site, "RENAME TABLE civiup_hidden_domain TO civicrm_domain"); });
       },
       {"reading the CiviCRM version of", "no civicrm_domain table"}},
      {"upgrade-marker-in-database",
       [](CaseRun& run) {
         sql(run.site, "UPDATE civicrm_domain SET version = '5.74.0.upgrade'");
         run.mend.emplace_back([&site = run.site] { sql(site, "UPDATE civicrm_domain SET version = '5.74.0'"); });
       },
       {"5.74.0.upgrade", "did not finish"}},
      {"read-only-files-directory",
       [](CaseRun& run) {
         fs::permissions(run.site.root / "files", fs::perms(0555));
         run.mend.emplace_back([root = run.site.root] { fs::permissions(root / "files", fs::perms(0755)); });
       },
       {"files directory", "not writable"}},
      {"state-dir-in-web-root",
       [](CaseRun& run) { run.state_dir = run.site.root / "private" / "civiup"; },
       {"state directory", "inside the web root"}},
      {"state-dir-in-modules",
       [](CaseRun& run) { run.state_dir = run.site.root / "modules" / ".civiup"; },
       {"state directory", "inside modules/"}},
      // DESIGN.md §3: the state directory must share modules/'s filesystem (the swap is a rename).
      {"state-dir-on-another-filesystem",
       [](CaseRun& run) {
         fs::path other = other_filesystem(run);
         if (other.empty()) throw std::runtime_error("no other filesystem to put a state directory on");
         run.state_dir = other / "state";
       },
       {"state directory", "not on the filesystem of"}},
      {"second-civicrm-under-modules",
       [](CaseRun& run) {
         fs::path contrib = run.site.root / "modules" / "contrib";
         fs::create_directories(contrib / "civicrm" / "backdrop");
         fs::copy_file(run.site.root / "modules/civicrm/backdrop/civicrm.info",
                       contrib / "civicrm/backdrop/civicrm.info");
         run.mend.emplace_back([contrib] { fs::remove_all(contrib); });
       },
       {"modules/contrib/civicrm/backdrop/civicrm.info", "a second copy of civicrm"}},
      {"no-modules-civicrm",
       [](CaseRun& run) {
         fs::rename(run.site.root / "modules/civicrm", run.dir / "civicrm-moved");
         run.mend.emplace_back([&run] { fs::rename(run.dir / "civicrm-moved", run.site.root / "modules/civicrm"); });
       },
       {"modules/civicrm: not found"}},
  };
}

void expect_no_password(const std::vector<const test::ProcessResult*>& results) {
  for (const test::ProcessResult* result : results) {
    for (const std::string* output : {&result->out, &result->err}) {
      for (const std::string& secret :
           {test::require_test_server().password, std::string("wrong-pw-4711"), kSpecialPassword}) {
        EXPECT_EQ(output->find(secret), std::string::npos) << "a password in civiup's output: " << *output;
      }
    }
  }
}

TEST(BrokenSites, EachIsRefusedWithOneLineNamingTheCauseAndNothingChanges) {
  test::require_test_server();
  test::TempDir temp;
  fs::path release = good_release(temp / "release");
  testbed::Site site = make_site(temp / "www", "broken");
  const fs::path default_state = site.root.string() + ".civiup";
  std::vector<BrokenSite> cases = broken_sites();
  size_t as_expected = 0;
  for (const BrokenSite& broken : cases) {
    SCOPED_TRACE("broken site " + broken.name);
    int failures_before = failure_count();
    fs::path dir = temp / broken.name;
    fs::create_directories(dir);
    CaseRun run{site, dir, default_state, {}};
    try {
      broken.breakit(run);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "breaking the site: " << e.what();
    }
    std::vector<std::string> extra;
    if (run.state_dir != default_state) extra = {"--state-dir", run.state_dir.string()};
    State before = site_state(site);
    test::ProcessResult check = run_civiup_on("check", site, release, extra);
    test::ProcessResult upgrade = run_civiup_on("upgrade", site, release, extra);
    expect_one_line_error(check, 2, broken.needles);
    std::string line = expect_one_line_error(upgrade, 2, broken.needles);
    EXPECT_EQ(state_differences(before, site_state(site)), "");
    EXPECT_FALSE(fs::exists(run.state_dir)) << "a refused run created the state directory " << run.state_dir;
    expect_no_password({&check, &upgrade});
    for (auto it = run.mend.rbegin(); it != run.mend.rend(); ++it) (*it)();
    std::cout << fmt::format("[ hostile  ] {:<32} exit {}  {}\n", broken.name, upgrade.exit_code, line.substr(15, 220));
    if (failure_count() == failures_before) ++as_expected;
  }
  // Mended after every case: the site is ready again (so each refusal had its own cause).
  test::ProcessResult ready = run_civiup_on("check", site, release);
  EXPECT_EQ(ready.exit_code, 0) << ready.out << ready.err;
  std::cout << fmt::format("[ hostile  ] {} broken sites (+1 special password below), {} refused as expected\n",
                           cases.size(), as_expected);
  EXPECT_GE(cases.size() + 1, 10u);
  EXPECT_EQ(as_expected, cases.size());
  if (!::testing::Test::HasFailure()) drop_databases(site);
}

// Not broken, but where naive tools break: a password with '@', ':', '/',
// '?', '#', '%', '+', quotes, '$', a backslash and a space, URL-encoded in the
// DSNs and raw in settings.php's $databases array.  A production tool must
// just work here (it is a legal password); civiup upgrades, and never prints it.
TEST(BrokenSites, PasswordWithSpecialCharactersWorks) {
  test::require_test_server();
  test::TempDir temp;
  set_special_user(true);
  testbed::DatabaseServer server = testbed::DatabaseServer::from_environment();
  server.user = kSpecialUser;
  server.password = kSpecialPassword;
  testbed::Site site = make_site(temp / "www", "special", server, /*databases_array_form=*/true);
  fs::path release = good_release(temp / "release");
  test::ProcessResult check = run_civiup_on("check", site, release);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  test::ProcessResult upgrade = run_civiup_on("upgrade", site, release);
  EXPECT_EQ(upgrade.exit_code, 0) << upgrade.out << upgrade.err;
  EXPECT_EQ(database_version(site), kTo);
  EXPECT_NE(read_file(site.root / "modules/civicrm/xml/version.xml").find(std::string("<version_no>") + kTo),
            std::string::npos);
  expect_no_password({&check, &upgrade});
  std::cout << fmt::format("[ hostile  ] {:<32} exit {}  (upgraded to {})\n", "special-password", upgrade.exit_code,
                           kTo);
  if (!::testing::Test::HasFailure()) {
    drop_databases(site);
    set_special_user(false);
  }
}

}  // namespace
}  // namespace civiup::hostile
