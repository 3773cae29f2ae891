// The harness itself: scripts/test's private server answers real queries, and
// a test that needs it fails (never skips) when it is absent.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "support/process.hpp"
#include "support/test_server.hpp"

namespace civiup::test {
namespace {

TEST(Harness, PrivateServerAnswersRealQueries) {
  ScratchDatabase database("harness");
  auto connection = database.connect();
  execute(*connection, "CREATE TABLE t (id INT PRIMARY KEY, s VARCHAR(20)) ENGINE=InnoDB");
  execute(*connection, "INSERT INTO t VALUES (1, '\xF0\x9F\x98\x80'), (2, ''), (3, NULL)");
  EXPECT_EQ(query_column(*connection, "SELECT COALESCE(s, 'NULL') FROM t ORDER BY id"),
            (std::vector<std::string>{"\xF0\x9F\x98\x80", "", "NULL"}));
  EXPECT_EQ(query_column(*connection, "SELECT COUNT(*) FROM seq_1_to_1000"), (std::vector<std::string>{"1000"}));
}

TEST(Harness, ServerIsThePrivateOneOfScriptsTest) {
  const TestServer& server = require_test_server();
  auto connection = connect();
  // The private server was started with a datadir of its own in a temp dir.
  auto datadir = query_column(*connection, "SELECT @@datadir");
  ASSERT_EQ(datadir.size(), 1u);
  EXPECT_NE(datadir[0].find(server.data_dir), std::string::npos) << datadir[0];
  EXPECT_EQ(query_column(*connection, "SELECT @@port"), (std::vector<std::string>{std::to_string(server.port)}));
}

// A DB test run without the server's environment must fail, not skip.
TEST(Harness, DatabaseTestWithoutServerFails) {
  if (std::getenv("CIVIUP_HARNESS_CHILD") != nullptr) {
    (void)require_test_server();  // throws: the environment was cleared
    return;
  }
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  ProcessOptions options;
  options.extra_env = {{"CIVIUP_HARNESS_CHILD", "1"},
                       {"CIVIUP_TEST_MYSQL_HOST", ""},
                       {"CIVIUP_TEST_MYSQL_PORT", ""},
                       {"CIVIUP_TEST_MYSQL_USER", ""}};
  auto result = run_process({self, "--gtest_filter=Harness.DatabaseTestWithoutServerFails"}, options);
  EXPECT_NE(result.exit_code, 0) << result.out;
  EXPECT_NE(result.out.find("no MariaDB test server"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("FAILED"), std::string::npos);
  EXPECT_EQ(result.out.find("SKIPPED"), std::string::npos);
}

}  // namespace
}  // namespace civiup::test
