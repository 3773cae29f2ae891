// Under load, nothing committed is lost (issue 15): a separate process
// (civiup-testbed write-load) commits about 100 small transactions a second
// to both databases throughout an upgrade that fails in upgrade-database
// (as site requests do, it writes nothing while maintenance mode is on).
// After the automatic restore, every write committed before maintenance mode
// went on is present, the writer's rows are a consistent prefix of what it
// committed, and nothing else changed.  The same for a rollback with the
// writer going on until maintenance mode: what it reports discarded is what
// it discarded, rows written after the question included, and the
// pre-rollback snapshot brings every committed write back.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "upgrade/tree_filters.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

struct CommitLog {
  std::set<long> crm_before, bd_before;  // committed while maintenance mode was off
  std::set<long> crm_all, bd_all;
};

class UnderLoadTest : public UpgradeTest {
 protected:
  void start_writer(bool until_maintenance = false) {
    log_ = tmp_ / "writes.log";
    std::vector<std::string> args = {CIVIUP_TESTBED_BINARY,
                                     "write-load",
                                     "--civicrm-db",
                                     site_.civicrm_db,
                                     "--backdrop-db",
                                     site_.backdrop_db,
                                     "--prefix",
                                     site_.table_prefix,
                                     "--rate",
                                     "100",
                                     "--log",
                                     log_.string()};
    if (until_maintenance) args.push_back("--until-maintenance");
    writer_ = ::fork();
    ASSERT_GE(writer_, 0);
    if (writer_ == 0) {
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }

  void stop_writer() {
    if (writer_ <= 0) return;
    ::kill(writer_, SIGTERM);
    int status = 0;
    ::waitpid(writer_, &status, 0);
    writer_ = 0;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the writer failed: " << status;
  }

  void TearDown() override {
    if (writer_ > 0) stop_writer();
  }

  CommitLog read_log() const {
    CommitLog log;
    std::ifstream in(log_);
    std::string db, when;
    long n = 0;
    while (in >> db >> n >> when) {
      (db == "crm" ? log.crm_all : log.bd_all).insert(n);
      if (when == "off") (db == "crm" ? log.crm_before : log.bd_before).insert(n);
    }
    return log;
  }

  // The writer's numbers present in the site's databases.
  std::set<long> present(const std::string& database, const std::string& sql) {
    std::set<long> numbers;
    auto connection = test::connect(database);
    for (const std::string& title : test::query_column(*connection, sql)) numbers.insert(std::stol(title.substr(5)));
    return numbers;
  }
  std::set<long> crm_present() {
    return present(site_.civicrm_db, "SELECT display_name FROM civicrm_contact WHERE display_name LIKE 'load %'");
  }
  std::set<long> bd_present() {
    return present(site_.backdrop_db, "SELECT title FROM `" + site_.table_prefix + "node` WHERE title LIKE 'load %'");
  }

  // Every write committed before maintenance mode is present; nothing is
  // present that the writer did not commit.  Returns the counts for the report.
  std::string expect_kept(const std::set<long>& before, const std::set<long>& all, const std::set<long>& now,
                          const char* what) {
    size_t missing = 0;
    for (long n : before) missing += now.contains(n) ? 0U : 1U;
    EXPECT_EQ(missing, 0u) << what << ": writes committed before maintenance mode are missing";
    for (long n : now) EXPECT_TRUE(all.contains(n)) << what << ": row " << n << " was never committed";
    return fmt::format("{}: {} committed, {} before maintenance mode, all of them present; {} present in all", what,
                       all.size(), before.size(), now.size());
  }

  // The site apart from the writer's two tables.
  SiteState others() {
    SiteState s = state();
    // A table's definition (its AUTO_INCREMENT) and its rows.
    auto table = [](const std::string& name) {
      return [name](const auto& entry) { return entry.first == "table " + name || entry.first == "checksum " + name; };
    };
    std::erase_if(s.civicrm, table("civicrm_contact"));
    std::erase_if(s.backdrop, table(site_.table_prefix + "node"));
    s.tree = without_compiled_templates(s.tree);
    return s;
  }

  fs::path log_;
  pid_t writer_ = 0;
};

TEST_F(UnderLoadTest, AFailedUpgradeUnderLoadKeepsEveryWriteCommittedBeforeMaintenance) {
  SiteState before = others();
  std::string other_contacts_before =
      query(site_.civicrm_db,
            "SELECT CONCAT(COUNT(*), ':', SUM(CRC32(CONCAT_WS('|', id, display_name, "
            "IFNULL(first_name, ''))))) FROM civicrm_contact WHERE display_name NOT LIKE 'load %'");
  start_writer();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  ProcessResult failed = upgrade({{"CIVIUP_STANDIN_FAIL_AT", "change-rows"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  stop_writer();
  EXPECT_EQ(failed.exit_code, 1) << failed.out << failed.err;
  EXPECT_EQ(json_of(failed)["outcome"], "rolled-back");

  CommitLog log = read_log();
  ASSERT_GT(log.crm_before.size(), 20u) << "the writer hardly wrote";
  std::printf("[ load     ] %s\n", expect_kept(log.crm_before, log.crm_all, crm_present(), "civicrm").c_str());
  std::printf("[ load     ] %s\n", expect_kept(log.bd_before, log.bd_all, bd_present(), "backdrop").c_str());
  expect_same(before, others());
  EXPECT_EQ(query(site_.civicrm_db,
                  "SELECT CONCAT(COUNT(*), ':', SUM(CRC32(CONCAT_WS('|', id, display_name, IFNULL(first_name, ''))))) "
                  "FROM civicrm_contact WHERE display_name NOT LIKE 'load %'"),
            other_contacts_before)
      << "the contacts the writer does not write are as before";
}

TEST_F(UnderLoadTest, ARollbackUnderLoadKeepsEveryCommittedWriteInItsSnapshot) {
  ASSERT_EQ(upgrade().exit_code, 0);
  start_writer(/*until_maintenance=*/true);
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  ProcessResult rolled_back =
      test::run_civiup({"rollback", "--root", site_.root.string(), "--yes", "--discard-changes", "--json"});
  ASSERT_EQ(rolled_back.exit_code, 0) << rolled_back.out << rolled_back.err;
  stop_writer();
  CommitLog log = read_log();
  ASSERT_GT(log.crm_before.size(), 20u) << "the writer hardly wrote";

  // The report's final figures are what was discarded: every write the
  // writer committed (it stops at maintenance mode), including those after the
  // question was asked, which it marks.
  nlohmann::json discarded = json_of(rolled_back)["discarded"];
  std::map<std::string, uint64_t> added;
  std::map<std::string, bool> after_question;
  for (const auto& t : discarded["tables"]) {
    added[t["table"].get<std::string>()] = t["rows_now"].get<uint64_t>() - t["rows_then"].get<uint64_t>();
    after_question[t["table"].get<std::string>()] = t["after_question"].get<bool>();
  }
  const std::string node = site_.table_prefix + "node";
  EXPECT_EQ(added["civicrm_contact"], log.crm_all.size()) << discarded.dump();
  EXPECT_EQ(added[node], log.bd_all.size()) << discarded.dump();
  EXPECT_EQ(added.size(), 2u) << "only the writer's tables: " << discarded.dump();
  EXPECT_TRUE(after_question["civicrm_contact"] && after_question[node])
      << "the writer went on after the question: " << discarded.dump();
  EXPECT_EQ(discarded["after_question"], 2) << discarded.dump();
  EXPECT_TRUE(crm_present().empty()) << "rolled back to before the upgrade";

  // Nothing committed is lost: the pre-rollback snapshot holds every write.
  std::string kept = json_of(rolled_back)["kept_snapshot"].get<std::string>();
  ProcessResult undone =
      test::run_civiup({"restore", kept, "--root", site_.root.string(), "--yes", "--discard-changes", "--json"});
  ASSERT_EQ(undone.exit_code, 0) << undone.out << undone.err;
  EXPECT_EQ(crm_present().size(), added["civicrm_contact"]) << "what was reported discarded is what came back";
  EXPECT_EQ(bd_present().size(), added[node]);
  std::printf("[ load     ] rollback reported +%llu contacts, +%llu nodes; %s\n",
              static_cast<unsigned long long>(added["civicrm_contact"]), static_cast<unsigned long long>(added[node]),
              expect_kept(log.crm_before, log.crm_all, crm_present(), "civicrm").c_str());
  expect_kept(log.bd_before, log.bd_all, bd_present(), "backdrop");
}

}  // namespace
}  // namespace civiup
