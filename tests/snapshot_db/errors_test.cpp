// What goes wrong on a real server gives one line naming the object and the cause.
#include <sys/mount.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <future>
#include <iostream>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/scope_guard.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "snapshot_fixture.hpp"

namespace civiup::test {
namespace {

// A user with `grants` on `database` (and `global` on *.*), logging in with a password.
db::DatabaseLogin limited_user(const std::string& name, const std::string& database, const std::string& grants,
                               const std::string& global = "") {
  auto connection = connect();
  execute(*connection, fmt::format("CREATE OR REPLACE USER '{}'@'%' IDENTIFIED BY 'pw-{}'", name, name));
  execute(*connection, fmt::format("GRANT {} ON `{}`.* TO '{}'@'%'", grants, database, name));
  if (!global.empty()) execute(*connection, fmt::format("GRANT {} ON *.* TO '{}'@'%'", global, name));
  db::DatabaseLogin login = snapshot_login();
  login.user = name;
  login.password = "pw-" + name;
  return login;
}

std::string dump_error(const db::DatabaseLogin& login, const std::string& database, const std::filesystem::path& dir,
                       const db::DumpOptions& options = {}) {
  try {
    db::dump_database(login, database, dir, options);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

void create_tables_with_trigger(const std::string& database) {
  run_sql(database, R"sql(
CREATE TABLE contact (id INT PRIMARY KEY, name VARCHAR(20));
CREATE TABLE log (what VARCHAR(20));
CREATE TRIGGER contact_ai AFTER INSERT ON contact FOR EACH ROW INSERT INTO log VALUES (NEW.name))sql");
}

TEST(DumpErrors, MissingTriggerPrivilegeNamesTheUserAndPrivilege) {
  TempDir temp;
  ScratchDatabase live("notrig");
  create_tables_with_trigger(live.name());
  auto login = limited_user("snap_notrigger", live.name(), "SELECT, SHOW VIEW, EVENT, LOCK TABLES", "RELOAD");
  std::string error = dump_error(login, live.name(), temp / "dump");
  EXPECT_TRUE(is_one_line(error)) << error;
  std::cout << "  error: " << error << "\n";
  EXPECT_NE(error.find("`" + live.name() + "`"), std::string::npos) << error;
  EXPECT_NE(error.find("lacks the TRIGGER privilege"), std::string::npos) << error;
  EXPECT_FALSE(db::is_usable_dump(temp / "dump"));
}

TEST(DumpErrors, MissingReloadPrivilegeNamesBackupStage) {
  TempDir temp;
  ScratchDatabase live("noreload");
  create_tables_with_trigger(live.name());
  auto login = limited_user("snap_noreload", live.name(), "ALL PRIVILEGES");
  db::DumpOptions backup_stage;
  backup_stage.consistency = db::DumpConsistency::BackupStage;
  std::string error = dump_error(login, live.name(), temp / "dump", backup_stage);
  EXPECT_TRUE(is_one_line(error)) << error;
  std::cout << "  error: " << error << "\n";
  EXPECT_NE(error.find("lacks the RELOAD privilege"), std::string::npos) << error;
  EXPECT_NE(error.find("BACKUP STAGE"), std::string::npos) << error;

  // Chosen automatically, the dump takes LOCK TABLES instead: ALL on the database is enough.
  EXPECT_EQ(dump_error(login, live.name(), temp / "dump2"), "");
  EXPECT_TRUE(db::is_usable_dump(temp / "dump2"));
  EXPECT_NE(db::load_manifest(temp / "dump2").consistency.find("LOCK TABLES"), std::string::npos);

  // Without a lock and with one worker, not even LOCK TABLES is needed.
  auto no_lock = limited_user("snap_nolock", live.name(), "SELECT, SHOW VIEW, EVENT, TRIGGER");
  EXPECT_NE(dump_error(no_lock, live.name(), temp / "dump3").find("lacks the LOCK TABLES privilege"),
            std::string::npos);
  db::DumpOptions options;
  options.jobs = 1;
  options.consistency = db::DumpConsistency::None;
  EXPECT_EQ(dump_error(no_lock, live.name(), temp / "dump4", options), "");
  EXPECT_TRUE(db::is_usable_dump(temp / "dump4"));
}

TEST(DumpErrors, RowTooBigForMaxAllowedPacket) {
  TempDir temp;
  ScratchDatabase live("packet");
  auto connection = live.connect();
  const std::string packet = query_column(*connection, "SELECT @@max_allowed_packet").at(0);
  // As hex, a blob of more than half the packet makes an INSERT the server cannot take.
  run_sql(live.name(), fmt::format("CREATE TABLE files (id INT PRIMARY KEY, content LONGBLOB);\n"
                                   "INSERT INTO files VALUES (1, 'small');\n"
                                   "INSERT INTO files SELECT 2, REPEAT('x', {} / 2 + 1000)",
                                   packet));
  std::string error = dump_error(snapshot_login(), live.name(), temp / "dump");
  EXPECT_TRUE(is_one_line(error)) << error;
  std::cout << "  error: " << error << "\n";
  EXPECT_NE(error.find("table `" + live.name() + "`.`files`"), std::string::npos) << error;
  EXPECT_NE(error.find("max_allowed_packet"), std::string::npos) << error;
  EXPECT_FALSE(db::is_usable_dump(temp / "dump"));
}

TEST(RestoreErrors, MissingPrivilegeFailsBeforeAnythingIsDropped) {
  TempDir temp;
  ScratchDatabase live("restpriv");
  create_tables_with_trigger(live.name());
  db::dump_database(snapshot_login(), live.name(), temp / "dump");
  auto login = limited_user("snap_notrigger_restore", live.name(), "SELECT, INSERT, CREATE, DROP, ALTER, CREATE VIEW");
  try {
    db::restore_database(login, live.name(), temp / "dump");
    ADD_FAILURE() << "restore without the TRIGGER privilege must be refused";
  } catch (const Error& e) {
    EXPECT_TRUE(is_one_line(e.what())) << e.what();
    std::cout << "  error: " << e.what() << "\n";
    EXPECT_NE(std::string(e.what()).find("lacks the TRIGGER privilege"), std::string::npos) << e.what();
  }
  EXPECT_EQ(query_column(*live.connect(),
                         "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + live.name() + "'"),
            std::vector<std::string>{"2"});
}

// Rows that compress badly (MD5 text): ~`rows` * 200 bytes of SQL, about half that compressed.
void create_incompressible_table(const std::string& database, int rows) {
  run_sql(database, fmt::format(R"sql(
CREATE TABLE big (id INT PRIMARY KEY, name VARCHAR(100), note TEXT, KEY (name));
INSERT INTO big SELECT seq, CONCAT('name ', MD5(seq)), CONCAT(MD5(seq), SHA1(seq), MD5(-seq), SHA2(seq, 256))
  FROM seq_1_to_{})sql",
                                rows));
}

std::string restore_error(const db::DatabaseLogin& login, const std::string& database,
                          const std::filesystem::path& dir) {
  try {
    db::restore_database(login, database, dir);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(DumpErrors, DiskFullIsOneLineAndLeavesNoUsableDump) {
  TempDir temp;
  ScratchDatabase live("diskfull");
  create_incompressible_table(live.name(), 50000);  // ~5 MB of zstd
  std::filesystem::path small = temp / "small";
  std::filesystem::create_directories(small);
  if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=2m,mode=0700") != 0)
    GTEST_SKIP() << "cannot mount a 2 MB tmpfs here (needs root): " << std::strerror(errno);
  ScopeGuard unmount([&] { ::umount2(small.c_str(), MNT_DETACH); });
  std::string error = dump_error(snapshot_login(), live.name(), small / "dump");
  EXPECT_TRUE(is_one_line(error)) << error;
  std::cout << "  error: " << error << "\n";
  EXPECT_NE(error.find("table `" + live.name() + "`.`big`"), std::string::npos) << error;
  EXPECT_NE(error.find("20-data-big-"), std::string::npos) << error;
  EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
  EXPECT_FALSE(std::filesystem::exists(small / "dump" / db::kManifestName));
  EXPECT_FALSE(db::is_usable_dump(small / "dump"));
}

TEST(RestoreErrors, ConnectionKilledMidRestoreNamesTheTable) {
  TempDir temp;
  ScratchDatabase live("restkill");
  create_incompressible_table(live.name(), 200000);
  db::dump_database(snapshot_login(), live.name(), temp / "dump");
  ScratchDatabase copy("restkillcopy");
  std::string error;
  auto restore = std::async(std::launch::async, [&] {
    db::RestoreOptions options;
    options.jobs = 1;
    try {
      db::restore_database(snapshot_login(), copy.name(), temp / "dump", options);
    } catch (const Error& e) {
      error = e.what();
    }
  });
  // KILL the connection that loads `big`, from another connection.
  bool killed = kill_when_running(fmt::format("DB = '{}' AND INFO LIKE 'INSERT INTO `big`%'", copy.name()), restore);
  expect_ends_within(restore, std::chrono::seconds(120), "the restore whose connection was killed");
  ASSERT_TRUE(killed) << "the restore finished before its connection could be killed";
  EXPECT_TRUE(is_one_line(error)) << error;
  std::cout << "  error: " << error << "\n";
  EXPECT_NE(error.find("restoring database `" + copy.name() + "`"), std::string::npos) << error;
  EXPECT_NE(error.find("table `big`"), std::string::npos) << error;
  EXPECT_TRUE(error.find("Lost connection") != std::string::npos ||
              error.find("Connection was killed") != std::string::npos ||
              error.find("server has gone away") != std::string::npos)
      << error;
}

TEST(RestoreErrors, StatementOverMaxAllowedPacketIsRefusedBeforeAnythingIsDropped) {
  TempDir temp;
  ScratchDatabase live("restpacket");
  create_tables_with_trigger(live.name());
  run_sql(live.name(), "INSERT INTO contact VALUES (1, 'one')");
  db::dump_database(snapshot_login(), live.name(), temp / "dump");
  // As if dumped from a server with a bigger max_allowed_packet than this one's
  // (the session value cannot be lowered, the global one is the whole server's).
  const std::string packet = query_column(*live.connect(), "SELECT @@max_allowed_packet").at(0);
  db::DumpManifest manifest = db::load_manifest(temp / "dump");
  for (auto& file : manifest.files)
    if (file.kind == "data" && file.object == "contact") file.largest_statement = std::stoull(packet) + 1;
  write_file_durably(temp / "dump" / db::kManifestName, manifest.to_json());
  run_sql(live.name(), "ALTER TABLE contact ADD COLUMN extra INT");

  std::string error = restore_error(snapshot_login(), live.name(), temp / "dump");
  EXPECT_TRUE(is_one_line(error)) << error;
  std::cout << "  error: " << error << "\n";
  EXPECT_NE(error.find("table `contact`"), std::string::npos) << error;
  EXPECT_NE(error.find("max_allowed_packet is " + packet), std::string::npos) << error;
  EXPECT_EQ(query_column(*live.connect(), "SHOW COLUMNS FROM contact"),
            (std::vector<std::string>{"id", "name", "extra"}))
      << "nothing was dropped";
}

TEST(RestoreErrors, OtherDefinerWithoutSuperOrSetUserIsRefusedBeforeAnythingIsDropped) {
  TempDir temp;
  ScratchDatabase live("restdefiner");
  execute(*connect(), "CREATE OR REPLACE USER 'snap_owner'@'%'");
  run_sql(live.name(),
          "CREATE TABLE contact (id INT PRIMARY KEY, name VARCHAR(20));\n"
          "CREATE DEFINER = 'snap_owner'@'%' VIEW contact_names AS SELECT name FROM contact");
  db::dump_database(snapshot_login(), live.name(), temp / "dump");
  auto login = limited_user("snap_nosuper", live.name(), "ALL PRIVILEGES");
  std::string error = restore_error(login, live.name(), temp / "dump");
  EXPECT_TRUE(is_one_line(error)) << error;
  std::cout << "  error: " << error << "\n";
  EXPECT_NE(error.find("lacks the SUPER or SET USER privilege"), std::string::npos) << error;
  EXPECT_NE(error.find("view `contact_names` with DEFINER snap_owner@%"), std::string::npos) << error;
  EXPECT_EQ(query_column(*live.connect(),
                         "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" + live.name() + "'"),
            std::vector<std::string>{"2"});

  // With SET USER the same restore goes through.
  execute(*connect(), "GRANT SET USER ON *.* TO 'snap_nosuper'@'%'");
  EXPECT_EQ(restore_error(login, live.name(), temp / "dump"), "");
}

}  // namespace
}  // namespace civiup::test
