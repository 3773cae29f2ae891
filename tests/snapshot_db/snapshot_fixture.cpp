#include "snapshot_fixture.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "civiup/base/durable_file.hpp"
#include "support/process.hpp"

namespace civiup::test {
namespace fs = std::filesystem;

db::DatabaseLogin snapshot_login() {
  const TestServer& server = require_test_server();
  db::DatabaseLogin login;
  login.host = server.host;
  login.port = server.port;
  login.user = server.user;
  login.password = server.password;
  return login;
}

void expect_same_image(const Fingerprint& original, const Fingerprint& copy) {
  for (const auto& [key, value] : original) {
    auto it = copy.find(key);
    if (it == copy.end())
      ADD_FAILURE() << key << " is missing from the copy";
    else
      EXPECT_EQ(value, it->second) << "for " << key;
  }
  for (const auto& [key, value] : copy)
    if (original.count(key) == 0) ADD_FAILURE() << key << " is in the copy only: " << value;
}

void run_sql(const std::string& database, const std::string& script, const std::string& separator) {
  auto connection = connect(database);
  size_t start = 0;
  while (start < script.size()) {
    size_t end = script.find(separator, start);
    if (end == std::string::npos) end = script.size();
    std::string statement = script.substr(start, end - start);
    // DDL here can meet InnoDB's statistics updates of tests running alongside
    // and be refused with a deadlock; the server says to try again.
    for (int attempt = 1; statement.find_first_not_of(" \n\t") != std::string::npos; ++attempt) {
      try {
        execute(*connection, statement);
        break;
      } catch (const std::runtime_error& e) {
        if (attempt == 5 || std::string(e.what()).find("Deadlock found") == std::string::npos) throw;
      }
    }
    start = end + separator.size();
  }
}

void change_dump_file(const fs::path& dir, const std::string& file, const std::string& from, const std::string& to) {
  ASSERT_EQ(from.size(), to.size());
  db::DumpManifest manifest = db::load_manifest(dir);
  std::string sql = dump_text(dir, file);
  auto at = sql.find(from);
  ASSERT_NE(at, std::string::npos) << from << " in " << file;
  sql.replace(at, from.size(), to);
  write_text(dir / "changed.sql", sql);
  fs::remove(dir / file);
  ASSERT_EQ(run_process({"zstd", "-q", "--rm", "-o", (dir / file).string(), (dir / "changed.sql").string()}).exit_code,
            0);
  for (auto& entry : manifest.files)
    if (entry.name == file) entry.bytes = fs::file_size(dir / file);
  write_file_durably(dir / db::kManifestName, manifest.to_json());
}

std::string dump_text(const fs::path& dir, const std::string& prefix) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) == 0 && name.size() > 8 && name.substr(name.size() - 8) == ".sql.zst")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::string text;
  for (const auto& file : files) {
    ProcessResult result = run_process({"zstdcat", file.string()});
    if (result.exit_code != 0) throw std::runtime_error("zstdcat " + file.string() + ": " + result.err);
    text += result.out;
  }
  return text;
}

fs::path expect_round_trip(const TempDir& temp, const std::string& original, const db::DumpOptions& options) {
  ScratchDatabase copy("copy");
  return expect_round_trip_into(temp, original, copy, options);
}

fs::path expect_round_trip_into(const TempDir& temp, const std::string& original, const ScratchDatabase& copy,
                                const db::DumpOptions& options) {
  fs::path dir = temp / "dump";
  db::dump_database(snapshot_login(), original, dir, options);
  db::restore_database(snapshot_login(), copy.name(), dir);
  expect_same_image(database_fingerprint(original), database_fingerprint(copy.name()));
  return dir;
}

fs::path expect_round_trip_of(const TempDir& temp, const std::string& prefix, const std::string& sql) {
  ScratchDatabase original(prefix);
  run_sql(original.name(), sql);
  return expect_round_trip(temp, original.name());
}

db::RestoreReport restore_as_before(const std::string& live, const fs::path& dump, const Fingerprint& before,
                                    const std::string& change, const db::RestoreOptions& options) {
  run_sql(live, change);
  auto report = db::restore_changed(snapshot_login(), live, dump, options);
  expect_same_image(before, database_fingerprint(live));
  return report;
}

db::RestoreReport restore_after(const std::string& live, const fs::path& dump, const std::string& change,
                                const db::RestoreOptions& options) {
  Fingerprint before = database_fingerprint(live);
  db::dump_database(snapshot_login(), live, dump);
  return restore_as_before(live, dump, before, change, options);
}

bool is_one_line(const std::string& message) { return message.find('\n') == std::string::npos; }

bool kill_when_running(const std::string& condition, const std::future<void>& work) {
  auto admin = connect();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (work.wait_for(std::chrono::seconds(0)) != std::future_status::ready &&
         std::chrono::steady_clock::now() < deadline) {
    auto ids = query_column(*admin, "SELECT ID FROM information_schema.PROCESSLIST WHERE " + condition);
    if (ids.empty()) continue;
    try {
      execute(*admin, "KILL CONNECTION " + ids[0]);
      return true;
    } catch (const std::exception&) {
      // The statement ended between the two queries; look again.
    }
  }
  return false;
}

void expect_ends_within(const std::future<void>& work, std::chrono::seconds limit, const std::string& what) {
  if (work.wait_for(limit) == std::future_status::ready) return;
  std::cerr << what << " did not end within " << limit.count() << " s; the server's connections:\n";
  for (const auto& row : query_rows(*connect(),
                                    "SELECT ID, DB, COMMAND, TIME, STATE, LEFT(INFO, 100) FROM "
                                    "information_schema.PROCESSLIST"))
    std::cerr << "  " << fmt::format("{}", fmt::join(row, " | ")) << "\n";
  std::cerr.flush();
  std::abort();  // the hung call still uses this test's state: nothing safe is left to do
}

}  // namespace civiup::test
