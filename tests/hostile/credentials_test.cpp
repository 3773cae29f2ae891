// Credentials stay in the settings files.  A site whose DB user has a
// distinctive password is upgraded for real, then a second upgrade fails and
// rolls back; meanwhile the process list (/proc/*/cmdline, and the environment
// of civiup and its children) is sampled while the DB upgrade stand-in runs.
// The password must appear nowhere: not on any command line, not in any
// environment, not on stdout/stderr, not in any file of the state directory
// (run logs, journal, manifests) — and the state directory keeps its dumps
// private: directories 0700, files 0600.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <iterator>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/unique_fd.hpp"
#include "hostile/hostile_site.hpp"
#include "support/test_server.hpp"

namespace civiup::hostile {
namespace {

// Distinctive, and with characters a DSN must URL-encode.
const std::string kUser = "civiup_secret";
const std::string kPassword = "Zx9q7Kw-s3cr@t:p/w";
const std::string kToken = "Zx9q7Kw";  // survives any encoding of the password
const std::string kEncoded = "Zx9q7Kw-s3cr%40t%3Ap%2Fw";

void set_user(bool present) {
  auto admin = test::connect();
  for (const char* host : {"%", "localhost"}) {
    std::string account = fmt::format("'{}'@'{}'", kUser, host);
    test::execute(*admin, "DROP USER IF EXISTS " + account);
    if (!present) continue;
    test::execute(*admin, fmt::format("CREATE USER {} IDENTIFIED BY '{}'", account, kPassword));
    test::execute(*admin, fmt::format("GRANT ALL PRIVILEGES ON *.* TO {} WITH GRANT OPTION", account));
  }
}

// The file's bytes; "" when it cannot be read (a process that just ended, another user's).
std::string slurp_quietly(const fs::path& file) {
  std::string text;
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return text;
  char buffer[65536];
  ssize_t n = 0;
  while ((n = ::read(fd.get(), buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  return text;
}

bool holds_secret(const std::string& text) {
  return text.find(kToken) != std::string::npos || text.find(kPassword) != std::string::npos ||
         text.find(kEncoded) != std::string::npos;
}

// Samples every process's command line (and the environment of civiup's
// processes) until stopped; records any that holds the password.
class ProcessListWatch {
 public:
  ProcessListWatch() : thread_([this] { watch(); }) {}
  ~ProcessListWatch() { stop(); }
  void stop() {
    running_ = false;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<std::string> leaks;
  int samples = 0;
  int samples_with_upgrader = 0;  // the stand-in DB upgrade command was running

 private:
  void watch() {
    while (running_) {
      bool upgrader = false;
      std::error_code error;
      for (const auto& entry : fs::directory_iterator("/proc", error)) {
        const std::string pid = entry.path().filename().string();
        if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string cmdline = slurp_quietly(entry.path() / "cmdline");
        if (cmdline.empty()) continue;
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        // The stand-in itself (civiup's own command line names it too, after --db-upgrade).
        if (cmdline.starts_with(standin_upgrader())) upgrader = true;
        if (holds_secret(cmdline)) leaks.push_back(fmt::format("pid {} cmdline: {}", pid, cmdline));
        bool ours = cmdline.find("civiup") != std::string::npos;
        if (ours && holds_secret(slurp_quietly(entry.path() / "environ"))) {
          leaks.push_back(fmt::format("pid {} environment ({})", pid, cmdline));
        }
      }
      ++samples;
      if (upgrader) ++samples_with_upgrader;
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
  }
  std::atomic<bool> running_{true};
  std::thread thread_;
};

// Every file of the state directory that holds the password, except the code
// snapshot's objects: they hold settings.php and civicrm.settings.php as the
// site does (a restore must bring them back byte for byte), private like the dumps.
std::vector<std::string> files_with_secret(const fs::path& state_dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::recursive_directory_iterator(state_dir)) {
    if (entry.path().lexically_relative(state_dir).string().starts_with("code.git/objects/")) continue;
    if (entry.is_regular_file() && holds_secret(slurp_quietly(entry.path()))) {
      found.push_back(entry.path().lexically_relative(state_dir).string());
    }
  }
  return found;
}

// Dumps hold personal data: the state dir, its dumps and logs are the owner's only.
void expect_private(const fs::path& state_dir) {
  auto mode = [](const fs::path& path) {
    struct stat info {};
    ::lstat(path.c_str(), &info);
    return info.st_mode & 07777;
  };
  EXPECT_EQ(mode(state_dir), 0700u) << state_dir;
  EXPECT_EQ(mode(state_dir / "code.git"), 0700u) << "the code snapshot holds the settings files";
  EXPECT_EQ(mode(state_dir / "trash"), 0700u) << "the trash holds replaced trees and dumps until deleted";
  size_t dump_files = 0;
  for (const char* private_dir : {"dumps", "logs"}) {
    ASSERT_TRUE(fs::is_directory(state_dir / private_dir)) << private_dir;
    EXPECT_EQ(mode(state_dir / private_dir), 0700u) << private_dir;
    for (const auto& entry : fs::recursive_directory_iterator(state_dir / private_dir)) {
      if (entry.is_directory()) {
        EXPECT_EQ(mode(entry.path()), 0700u) << entry.path();
      } else {
        EXPECT_EQ(mode(entry.path()), 0600u) << entry.path();
        dump_files += std::string_view(private_dir) == "dumps";
      }
    }
  }
  EXPECT_GT(dump_files, 0u) << "no dump files to check";
  EXPECT_EQ(mode(state_dir / "journal.json"), 0600u);
}

struct WatchedRun {
  test::ProcessResult result;
  int samples = 0;
  int samples_with_upgrader = 0;
  std::vector<std::string> leaks;
};

WatchedRun watched_upgrade(const testbed::Site& site, const fs::path& release, std::map<std::string, std::string> env) {
  env["CIVIUP_STANDIN_DELAY_MS"] = "150";  // the upgrader runs ~1.5 s: time to look at it
  WatchedRun run;
  ProcessListWatch watch;
  run.result = run_civiup_on("upgrade", site, release, {"-v"}, env);
  watch.stop();
  run.samples = watch.samples;
  run.samples_with_upgrader = watch.samples_with_upgrader;
  run.leaks = watch.leaks;
  return run;
}

TEST(Credentials, PasswordNeverOnACommandLineInLogsJournalOrOutput) {
  test::require_test_server();
  test::TempDir temp;
  set_user(true);
  testbed::DatabaseServer server = testbed::DatabaseServer::from_environment();
  server.user = kUser;
  server.password = kPassword;
  testbed::Site site = make_site(temp / "www", "secret", server);
  ASSERT_NE(read_file(site.root / "civicrm.settings.php").find(kEncoded), std::string::npos)
      << "the site's DSN does not hold the password as expected";
  const fs::path state_dir = site.root.string() + ".civiup";

  // A real upgrade, watched.
  WatchedRun upgraded = watched_upgrade(site, good_release(temp / "r1"), {});
  EXPECT_EQ(upgraded.result.exit_code, 0) << upgraded.result.out << upgraded.result.err;
  // A failing one that rolls back, watched.
  WatchedRun failed =
      watched_upgrade(site, good_release(temp / "r2", "5.76.0"), {{"CIVIUP_STANDIN_FAIL_AT", "change-rows"}});
  EXPECT_EQ(failed.result.exit_code, 1) << failed.result.out << failed.result.err;
  EXPECT_EQ(database_version(site), kTo) << "the failed upgrade was not rolled back";

  for (const WatchedRun* run : {&upgraded, &failed}) {
    EXPECT_GT(run->samples_with_upgrader, 0) << "the process list was never sampled while the upgrader ran";
    EXPECT_TRUE(run->leaks.empty()) << fmt::format("{}", fmt::join(run->leaks, "\n"));
    EXPECT_FALSE(holds_secret(run->result.out)) << run->result.out;
    EXPECT_FALSE(holds_secret(run->result.err)) << run->result.err;
  }
  std::vector<std::string> leaking_files = files_with_secret(state_dir);
  EXPECT_TRUE(leaking_files.empty()) << fmt::format("password in {}", fmt::join(leaking_files, ", "));
  auto logs = std::distance(fs::directory_iterator(state_dir / "logs"), fs::directory_iterator());
  EXPECT_GE(logs, 2) << "each run writes its log";
  expect_private(state_dir);
  std::cout << fmt::format(
      "[ secrets  ] password absent: {} process-list samples ({} while the upgrader ran), {} state-dir files "
      "({} run logs), stdout/stderr of 2 runs\n",
      upgraded.samples + failed.samples, upgraded.samples_with_upgrader + failed.samples_with_upgrader,
      std::distance(fs::recursive_directory_iterator(state_dir), fs::recursive_directory_iterator()), logs);
  if (!::testing::Test::HasFailure()) {
    drop_databases(site);
    set_user(false);
  }
}

}  // namespace
}  // namespace civiup::hostile
