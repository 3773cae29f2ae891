#pragma once
// The private MariaDB server that scripts/test starts.  A test that needs it
// and does not find it FAILS (it never skips): require_test_server() throws.
#include <memory>
#include <string>
#include <vector>

#include <cppconn/connection.h>

namespace civiup::test {

struct TestServer {
  std::string host;  // 127.0.0.1
  int port = 0;
  std::string socket;
  std::string user;
  std::string password;
  std::string pid_file;  // to kill or restart the server in fault tests
  std::string data_dir;
};

const TestServer& require_test_server();

// A new connection (utf8mb4) to the test server, optionally into `database`.
std::unique_ptr<sql::Connection> connect(const std::string& database = "");

// Runs each statement; throws with the statement on failure.
void execute(sql::Connection& connection, const std::string& statement);

// The first column of every row of `query`, as text ("NULL" for SQL NULL).
std::vector<std::string> query_column(sql::Connection& connection, const std::string& query);

// Every row of `query`, each column as text ("NULL" for SQL NULL).
std::vector<std::vector<std::string>> query_rows(sql::Connection& connection, const std::string& query);

// A database with a unique name, dropped at the end unless the test failed.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(const std::string& prefix = "t");
  ~ScratchDatabase();
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;

  const std::string& name() const { return name_; }
  std::unique_ptr<sql::Connection> connect() const { return test::connect(name_); }

 private:
  std::string name_;
};

}  // namespace civiup::test
