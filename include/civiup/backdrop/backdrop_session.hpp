#pragma once
// civiup's Backdrop session (src/php/civiup-backdrop.php): one PHP process
// that bootstraps Backdrop once and then runs commands read from its stdin
// (maintenance 1|0, disable NAME, enable NAME, cache-clear), each answered
// with one line.  A bootstrap costs 1.5-2 s on a real site, so one process per
// group of steps, started before the window, keeps the window short where one
// bee call per step would not (docs/upgrade.md).  The process runs in its own
// process group and dies with civiup (PR_SET_PDEATHSIG).
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "civiup/base/unique_fd.hpp"

namespace civiup {

class BackdropSession {
 public:
  // Starts `argv` (e.g. bee --root=ROOT php-script FILE) in `root` and returns
  // at once: the bootstrap goes on while civiup does other work.
  BackdropSession(std::vector<std::string> argv, const std::filesystem::path& root);
  // Ends the process: end of input, then SIGKILL to its group if it lingers.
  ~BackdropSession();
  BackdropSession(const BackdropSession&) = delete;
  BackdropSession& operator=(const BackdropSession&) = delete;

  // Waits until the bootstrap is done ("ready"); throws with its output when
  // it failed or took longer than `timeout`.
  void wait_ready(std::chrono::seconds timeout = std::chrono::minutes(5));
  // Runs one command and waits for its answer; throws on "error: ..." or a
  // process that died.
  void command(const std::string& line, std::chrono::seconds timeout = std::chrono::minutes(5));

  // How the commands are named in messages: "bee php-script civiup-backdrop.php".
  const std::string& shown() const { return shown_; }

 private:
  std::string read_answer(std::chrono::seconds timeout, const std::string& doing);
  pid_t pid_ = -1;
  UniqueFd to_child_;
  UniqueFd from_child_;
  bool ready_ = false;
  std::string buffer_;
  std::string shown_;
};

// The session's PHP program, compiled into civiup (CMakeLists.txt).
extern const std::string_view kBackdropSessionPhp;

}  // namespace civiup
