// MySQL 8 caches information_schema.TABLES.UPDATE_TIME unless
// information_schema_stats_expiry is 0; MariaDB has no such variable.  Which
// statements reach the server, with a fake session (no MySQL 8 here).
#include <gtest/gtest.h>

#include <map>

#include "civiup/database_session.hpp"

namespace civiup {
namespace {

// Answers from a table of statement -> value; records every statement it gets.
class ScriptedSession final : public DatabaseSession {
 public:
  explicit ScriptedSession(std::map<std::string, std::string> answers) : answers_(std::move(answers)) {}
  std::optional<std::string> query_scalar(const std::string& sql, const std::vector<std::string>&) override {
    statements.push_back(sql);
    auto it = answers_.find(sql);
    return it == answers_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  uint64_t execute(const std::string& sql, const std::vector<std::string>&) override {
    statements.push_back(sql);
    return 0;
  }
  std::string description() const override { return "mysql://scripted/db"; }
  std::vector<std::string> statements;

 private:
  std::map<std::string, std::string> answers_;
};

const std::string kShow = "SHOW GLOBAL VARIABLES LIKE 'information_schema_stats_expiry'";
const std::string kRead = "SELECT @@GLOBAL.information_schema_stats_expiry";

TEST(UpdateTime, MariaDbHasNoExpiryAndIsNeverAskedForIt) {
  ScriptedSession mariadb({});
  EXPECT_TRUE(update_time_is_live(mariadb));
  EXPECT_EQ(mariadb.statements, std::vector<std::string>{kShow}) << "a statement naming the variable fails on MariaDB";
}

TEST(UpdateTime, MySql8WithTheDefaultExpiryServesACache) {
  ScriptedSession mysql({{kShow, "information_schema_stats_expiry"}, {kRead, "86400"}});
  EXPECT_FALSE(update_time_is_live(mysql));
  EXPECT_EQ(mysql.statements, (std::vector<std::string>{kShow, kRead}));
}

TEST(UpdateTime, MySql8WithExpiryZeroIsLive) {
  ScriptedSession mysql({{kShow, "information_schema_stats_expiry"}, {kRead, "0"}});
  EXPECT_TRUE(update_time_is_live(mysql));
}

}  // namespace
}  // namespace civiup
