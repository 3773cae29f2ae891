// Dumps that do not finish: a killed civiup-dbsnap, a connection killed by the
// server, a tampered file.  None may ever pass for a usable dump.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <iostream>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "snapshot_fixture.hpp"
#include "support/process.hpp"

extern char** environ;

namespace civiup::test {
namespace fs = std::filesystem;
namespace {

// A table big enough that dumping it takes a while (~60 MB of SQL).
void create_big_table(const std::string& database) {
  run_sql(database, R"sql(
CREATE TABLE big (id INT PRIMARY KEY, name VARCHAR(100), note TEXT, created DATETIME);
INSERT INTO big SELECT seq, CONCAT('name ', seq, ' ', MD5(seq)), REPEAT(MD5(seq), 4), '2020-01-01' + INTERVAL seq SECOND
  FROM seq_1_to_300000)sql");
}

bool has_data_file(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.path().filename().string().rfind("20-data-big", 0) == 0 && entry.file_size(ec) > 0) return true;
  return false;
}

TEST(InterruptedDump, KilledDumpHasNoManifestAndIsRefused) {
  TempDir temp;
  ScratchDatabase live("killed");
  create_big_table(live.name());
  const TestServer& server = require_test_server();
  fs::path dumps = temp / "dumps";
  fs::create_directories(dumps);
  db::dump_database(snapshot_login(), live.name(), dumps / "1-complete");

  // civiup-dbsnap in its own process, SIGKILLed while it writes the big table.
  std::vector<std::string> env_strings = {"CIVIUP_DB_HOST=" + server.host,
                                          fmt::format("CIVIUP_DB_PORT={}", server.port),
                                          "CIVIUP_DB_USER=" + server.user, "MYSQL_PWD=" + server.password};
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string binary = CIVIUP_DBSNAP, command = "dump", dir = (dumps / "2-killed").string(), database = live.name(),
              jobs = "1";
  char* argv[] = {binary.data(), command.data(), dir.data(), database.data(), jobs.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, binary.c_str(), nullptr, nullptr, argv, envp.data()), 0);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!has_data_file(dumps / "2-killed") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the dump finished before it could be killed";

  EXPECT_FALSE(fs::exists(dumps / "2-killed" / db::kManifestName));
  EXPECT_FALSE(db::is_usable_dump(dumps / "2-killed"));
  EXPECT_EQ(db::list_usable_dumps(dumps), std::vector<fs::path>{dumps / "1-complete"});
  ScratchDatabase copy("killedcopy");
  try {
    db::restore_database(snapshot_login(), copy.name(), dumps / "2-killed");
    ADD_FAILURE() << "restore of a killed dump must be refused";
  } catch (const Error& e) {
    EXPECT_TRUE(is_one_line(e.what())) << e.what();
    std::cout << "  error: " << e.what() << "\n";
    EXPECT_NE(std::string(e.what()).find("no committed manifest.json"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(query_column(*copy.connect(), "SHOW TABLES").empty()) << "nothing was touched";
}

TEST(InterruptedDump, ConnectionKilledByTheServerIsAClearError) {
  TempDir temp;
  ScratchDatabase live("connkill");
  create_big_table(live.name());
  std::string error;
  auto dump = std::async(std::launch::async, [&] {
    try {
      db::DumpOptions options;
      options.jobs = 1;
      db::dump_database(snapshot_login(), live.name(), temp / "dump", options);
    } catch (const Error& e) {
      error = e.what();
    }
  });
  // KILL the connection that streams the big table (not the catalogue's
  // SELECT MIN/MAX of its key), from another connection.
  bool killed = kill_when_running(fmt::format("DB = '{}' AND INFO LIKE 'SELECT `id`,%FROM `big`%'", live.name()), dump);
  expect_ends_within(dump, std::chrono::seconds(120), "the dump whose connection was killed");
  ASSERT_TRUE(killed) << "the dump finished before its connection could be killed";
  EXPECT_TRUE(is_one_line(error)) << error;
  std::cout << "  error: " << error << "\n";
  EXPECT_NE(error.find("table `" + live.name() + "`.`big`"), std::string::npos) << error;
  EXPECT_NE(error.find("Lost connection"), std::string::npos) << error;
  EXPECT_FALSE(db::is_usable_dump(temp / "dump"));
}

TEST(TamperedDump, RestoreVerifiesChecksumsAndFailsLoudly) {
  TempDir temp;
  ScratchDatabase live("tamper");
  run_sql(live.name(), R"sql(
CREATE TABLE contact (id INT PRIMARY KEY, name VARCHAR(40));
INSERT INTO contact SELECT seq, CONCAT('name ', seq) FROM seq_1_to_1000)sql");
  fs::path dir = temp / "dump";
  db::dump_database(snapshot_login(), live.name(), dir);

  // A changed value in a data file that still decompresses and has the size the manifest says.
  const std::string file = "20-data-contact-00001.sql.zst";
  ASSERT_NO_FATAL_FAILURE(change_dump_file(dir, file, "'name 500'", "'name 5OO'"));

  ScratchDatabase copy("tampercopy");
  try {
    db::restore_database(snapshot_login(), copy.name(), dir);
    ADD_FAILURE() << "a restore that does not match the dump's checksums must fail";
  } catch (const Error& e) {
    EXPECT_TRUE(is_one_line(e.what())) << e.what();
    std::cout << "  error: " << e.what() << "\n";
    EXPECT_NE(std::string(e.what()).find("checksum mismatch after restore: table `contact`"), std::string::npos)
        << e.what();
  }

  // A flipped byte in the compressed file: the size is right, zstd's own checksum is not.
  std::string bytes = read_file(dir / file);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 0x20);
  fs::remove(dir / file);
  write_text(dir / file, bytes);
  ScratchDatabase untouched("tamperuntouched");
  run_sql(untouched.name(), "CREATE TABLE contact (id INT PRIMARY KEY, other VARCHAR(10))");
  try {
    db::restore_database(snapshot_login(), untouched.name(), dir);
    ADD_FAILURE() << "a corrupt file must fail the restore";
  } catch (const Error& e) {
    EXPECT_TRUE(is_one_line(e.what())) << e.what();
    std::cout << "  error: " << e.what() << "\n";
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nothing was dropped"), std::string::npos) << e.what();
  }
  EXPECT_EQ(query_column(*untouched.connect(), "SHOW COLUMNS FROM contact"), (std::vector<std::string>{"id", "other"}))
      << "the corrupt file was found before the table it replaces was dropped";
}

}  // namespace
}  // namespace civiup::test
