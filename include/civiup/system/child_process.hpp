#pragma once
// Running the commands that change a site (the DB upgrade command, bee):
// in their own process group, with a timeout, their output streamed to the
// log, and dying with civiup — a child must never outlive a crashed civiup and
// go on changing the database (PR_SET_PDEATHSIG, plus the process group the
// journal records so that recover can stop what is left).
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace civiup {

struct ChildCommand {
  std::vector<std::string> argv;                  // argv[0] is looked up in PATH
  std::map<std::string, std::string> env;         // added to civiup's environment
  std::filesystem::path cwd;                      // empty: civiup's own
  std::chrono::milliseconds timeout{0};           // 0: none
  std::function<void(pid_t)> on_start;            // e.g. journal the pid before it can act
  std::function<void(std::string_view)> on_line;  // each line of merged stdout+stderr
};

struct ChildResult {
  int exit_code = -1;  // 128+N when killed by signal N
  bool timed_out = false;
  std::string output;  // the last 64 KiB of merged output, for messages
  double seconds = 0;
};

// Runs the command to its end (or its timeout, or SIGINT/SIGTERM to civiup:
// then the whole process group is killed and the error says so).  Throws
// when it cannot be started, naming argv[0].
ChildResult run_child(const ChildCommand& command);

// Splits a command line like a shell does for simple commands: words, single
// and double quotes, backslash escapes, and leading NAME=value assignments
// (returned in `env`).  No expansion, pipes or redirections: those are errors.
struct ParsedCommandLine {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env;
};
ParsedCommandLine split_command_line(std::string_view line);

// Kills process group `pgid` with SIGKILL and waits (up to `wait`) until no
// member is left; true when it is gone.  Used by recover for a child recorded
// in the journal.
bool kill_process_group(pid_t pgid, std::chrono::milliseconds wait = std::chrono::seconds(10));

// Whether a process with this pid exists (and is not a zombie).
bool process_alive(pid_t pid);

// Where `program` is on PATH (executable), if anywhere; a name with a '/' is
// taken as a path.
std::optional<std::filesystem::path> find_on_path(const std::string& program);

}  // namespace civiup
