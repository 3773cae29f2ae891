#pragma once
// Runs a real process and captures its output: how tests drive civiup itself.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace civiup::test {

struct ProcessResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
};

struct ProcessOptions {
  std::filesystem::path cwd;                     // empty: inherit
  std::map<std::string, std::string> extra_env;  // added to (or replacing in) the environment
  std::string stdin_text;
};

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// The built civiup binary with `args`.
ProcessResult run_civiup(const std::vector<std::string>& args, const ProcessOptions& options = {});

}  // namespace civiup::test
