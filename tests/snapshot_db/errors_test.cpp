// What goes wrong on a real server gives one line naming the object and the cause.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <iostream>

#include "civiup/snapshot/error.hpp"
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
  std::string error = dump_error(login, live.name(), temp / "dump");
  EXPECT_TRUE(is_one_line(error)) << error;
  std::cout << "  error: " << error << "\n";
  EXPECT_NE(error.find("lacks the RELOAD privilege"), std::string::npos) << error;
  EXPECT_NE(error.find("BACKUP STAGE"), std::string::npos) << error;

  // Without DDL blocking and with one worker, RELOAD is not needed.
  db::DumpOptions options;
  options.jobs = 1;
  options.block_ddl = false;
  EXPECT_EQ(dump_error(login, live.name(), temp / "dump2", options), "");
  EXPECT_TRUE(db::is_usable_dump(temp / "dump2"));
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
  EXPECT_EQ(query_column(*live.connect(), "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                                              live.name() + "'"),
            std::vector<std::string>{"2"});
}

}  // namespace
}  // namespace civiup::test
