// Faults from outside: the database server dies in the middle of the dump or
// of the restore, the state directory's filesystem fills up.  A fault point
// with ":exec" (fault_point.hpp) runs the command that kills the server or
// fills the disk at the chosen step.  Whatever happens, once the cause is gone
// `civiup recover` leaves the site exactly as it was before the upgrade.
#include <sys/mount.h>
#include <unistd.h>

#include <cppconn/driver.h>
#include <mysql_driver.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <regex>

#include <fmt/format.h>

#include "civiup/site/site.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

const std::string kMariadbLib = std::string(CIVIUP_SOURCE_DIR) + "/scripts/lib/mariadb.sh";

// A MariaDB server of the test's own (scripts/lib/mariadb.sh), so that killing
// it disturbs no other test.
class OwnServer {
 public:
  explicit OwnServer(fs::path dir) : dir_(std::move(dir)) {
    run_library("mariadb_start");
    port_ = std::stoi(read_file(dir_ / "port"));
  }
  ~OwnServer() { stop(); }

  testbed::DatabaseServer spec() const {
    testbed::DatabaseServer server;
    server.host = "127.0.0.1";
    server.port = port_;
    server.user = "civiup";
    server.password = "civiup-test-pw";
    return server;
  }

  // The shell command that SIGKILLs the server and waits until it is gone.
  std::string kill_command() const {
    std::string pidfile = (dir_ / "mariadb.pid").string();
    return "pid=$(cat '" + pidfile + "'); kill -9 $pid; while kill -0 $pid 2>/dev/null; do sleep 0.05; done";
  }

  bool alive() const {
    return test::run_process({"bash", "-c", "kill -0 $(cat '" + (dir_ / "mariadb.pid").string() + "')"}).exit_code == 0;
  }

  void restart() { run_library("mariadb_restart"); }

  void stop() { test::run_process({"bash", "-c", kill_command()}); }

  std::unique_ptr<sql::Connection> connect(const std::string& database = "") const {
    sql::ConnectOptionsMap options;
    options["hostName"] = sql::SQLString(fmt::format("tcp://127.0.0.1:{}", port_));
    options["userName"] = sql::SQLString("civiup");
    options["password"] = sql::SQLString("civiup-test-pw");
    options["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
    if (!database.empty()) options["schema"] = sql::SQLString(database);
    return std::unique_ptr<sql::Connection>(sql::mysql::get_mysql_driver_instance()->connect(options));
  }

 private:
  void run_library(const std::string& function) {
    test::ProcessResult result = test::run_process(
        {"bash", "-c", "set -e; source '" + kMariadbLib + "'; " + function + " '" + dir_.string() + "'"});
    if (result.exit_code != 0) throw std::runtime_error(function + " failed: " + result.err);
  }

  fs::path dir_;
  int port_ = 0;
};

class DatabaseServerFaultTest : public UpgradeTest {
 protected:
  void SetUp() override {
    test::require_test_server();
    server_ = std::make_unique<OwnServer>(tmp_ / "mariadb");
    auto connection = server_->connect();
    test::execute(*connection, "CREATE DATABASE bd");
    test::execute(*connection, "CREATE DATABASE crm");
    testbed::SiteSpec spec = default_site_spec();
    spec.backdrop_db = "bd";
    spec.civicrm_db = "crm";
    make_site_and_release(tmp_ / "site", spec, server_->spec());
  }

  // The site's state on this server.  A server killed with SIGKILL may come
  // back with a table's AUTO_INCREMENT counter lowered to MAX(id)+1 (InnoDB
  // crash recovery; seen with tables whose newest rows were deleted): that is
  // the server's doing, on tables civiup never touched, so counters are left
  // out here; rows (checksums) and every other part of each definition count.
  SiteState own_state() {
    auto connection = server_->connect();
    auto without_counters = [](test::Fingerprint objects) {
      static const std::regex counter(" AUTO_INCREMENT=[0-9]+");
      for (auto& [name, definition] : objects) definition = std::regex_replace(definition, counter, "");
      return objects;
    };
    return {test::tree_fingerprint(site_.root),
            without_counters(test::database_fingerprint(*connection, "bd", test::CacheRows::ignore)),
            without_counters(test::database_fingerprint(*connection, "crm", test::CacheRows::ignore))};
  }

  // Kills the server at `point`, then restarts it and recovers: the site must
  // be as it was.
  void kill_server_at(const std::string& point, std::map<std::string, std::string> env = {}) {
    SiteState before = own_state();
    env["CIVIUP_FAULT"] = point + ":exec";
    env["CIVIUP_FAULT_EXEC"] = server_->kill_command();
    ProcessResult failed = upgrade(env);
    EXPECT_FALSE(server_->alive()) << "the fault point never ran: " << failed.err;
    EXPECT_TRUE(failed.exit_code == 1 || failed.exit_code == 3) << failed.exit_code << failed.out << failed.err;
    std::string error = json_of(failed)["error"].is_string() ? json_of(failed)["error"].get<std::string>() : "";
    EXPECT_NE(error.find("Lost connection"), std::string::npos) << "the error says the server went away: " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
    std::printf("[ fault    ] %s, server killed: exit %d: %s\n", point.c_str(), failed.exit_code, error.c_str());

    server_->restart();
    ProcessResult recovered = test::run_civiup({"recover", "--root", site_.root.string(), "--yes", "--json"});
    if (failed.exit_code == 3) {
      EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
      EXPECT_EQ(json_of(recovered)["outcome"], "rolled-back") << recovered.out;
      EXPECT_EQ(json_of(recovered)["recovered"], "rolled_back") << recovered.out;
    } else {
      EXPECT_EQ(recovered.exit_code, 0) << "a clean rollback leaves nothing to recover: " << recovered.out;
    }
    expect_same(before, own_state());
  }

  std::unique_ptr<OwnServer> server_;
};

TEST_F(DatabaseServerFaultTest, ServerKilledMidDumpIsRestartedAndRecovered) {
  kill_server_at("snapshot-databases:inside@2");
}

TEST_F(DatabaseServerFaultTest, ServerKilledMidRestoreIsRestartedAndRecovered) {
  // The DB upgrade fails, so the rollback restores the database: the server dies there.
  kill_server_at("upgrade-database:undo-inside@2", {{"CIVIUP_STANDIN_FAIL_AT", "change-rows"}});
}

// The state directory's filesystem: a 48 MB tmpfs holding the site and its
// state directory (they must share a filesystem), filled at a chosen step.
class DiskFullTest : public UpgradeTest {
 protected:
  void SetUp() override {
    test::require_test_server();
    if (::geteuid() != 0) {
      std::printf("[ not run  ] disk-full test: not root (mounting a tmpfs needs it)\n");
      GTEST_SKIP() << "disk-full test did not run: not root";
    }
    disk_ = tmp_ / "disk";
    fs::create_directories(disk_);
    if (::mount("tmpfs", disk_.c_str(), "tmpfs", 0, "size=48m,mode=0755") != 0) {
      std::printf("[ not run  ] disk-full test: mounting a tmpfs failed: %s\n", std::strerror(errno));
      GTEST_SKIP() << "disk-full test did not run: mount failed";
    }
    mounted_ = true;
    UpgradeTest::SetUp();  // the site goes to tmp_/site; move it onto the small disk
    fs::path moved = disk_ / "site";
    ASSERT_EQ(test::run_process({"cp", "-a", site_.root.string(), moved.string()}).exit_code, 0);
    fs::remove_all(site_.root);
    site_.root = moved;
  }

  void TearDown() override {
    if (mounted_) ::umount2(disk_.c_str(), MNT_DETACH);
  }

  std::string fill_command() const {
    return "dd if=/dev/zero of='" + (disk_ / "ballast").string() + "' bs=64k 2>/dev/null; true";
  }

  fs::path disk_;
  bool mounted_ = false;
};

TEST_F(DiskFullTest, DiskFullDuringTheDumpRollsBackCleanly) {
  SiteState before = state();
  ProcessResult failed =
      upgrade({{"CIVIUP_FAULT", "snapshot-databases:before:exec"}, {"CIVIUP_FAULT_EXEC", fill_command()}});
  std::string error = json_of(failed)["error"].is_string() ? json_of(failed)["error"].get<std::string>() : "";
  std::printf("[ fault    ] disk full at the dump: exit %d: %s\n", failed.exit_code, error.c_str());
  EXPECT_TRUE(failed.exit_code == 1 || failed.exit_code == 3) << failed.out << failed.err;
  EXPECT_NE(error.find("No space left on device"), std::string::npos) << error;
  EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
  fs::remove(disk_ / "ballast");
  if (failed.exit_code == 3) {
    ProcessResult recovered = test::run_civiup({"recover", "--root", site_.root.string(), "--yes", "--json"});
    EXPECT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
  }
  expect_same(before, state());
  EXPECT_EQ(upgrade().exit_code, 0) << "with space again, the upgrade goes through";
}

TEST_F(DiskFullTest, NoRoomForTheUpgradeIsRefusedOrRolledBack) {
  ASSERT_EQ(test::run_process({"bash", "-c", fill_command()}).exit_code, 0);
  SiteState before = state();
  ProcessResult failed = upgrade();
  std::string error = json_of(failed)["error"].is_string() ? json_of(failed)["error"].get<std::string>() : "";
  std::printf("[ fault    ] disk full before the upgrade: exit %d: %s\n", failed.exit_code, error.c_str());
  EXPECT_EQ(failed.exit_code, 2) << "refused before acting: " << failed.out << failed.err;
  EXPECT_EQ(error.find('\n'), std::string::npos) << "one line: " << error;
  expect_same(before, state());
}

}  // namespace
}  // namespace civiup
