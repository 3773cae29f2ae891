#include "civiup/system/child_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/base/scope_guard.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/system/interrupts.hpp"

extern char** environ;

namespace civiup {
namespace {

constexpr size_t kKeptOutput = size_t{64} * 1024;

struct Environment {
  std::vector<std::string> strings;
  std::vector<char*> pointers;
};

Environment build_environment(const std::map<std::string, std::string>& extra) {
  Environment env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    if (extra.count(entry.substr(0, entry.find('='))) == 0) env.strings.push_back(std::move(entry));
  }
  for (const auto& [key, value] : extra) env.strings.push_back(key + "=" + value);
  for (auto& s : env.strings) env.pointers.push_back(s.data());
  env.pointers.push_back(nullptr);
  return env;
}

// The child, between fork and exec: async-signal-safe calls only (civiup has
// threads).  It leaves by exec or _exit, so no destructor closes a descriptor
// here; exec closes the pipes' other ends (O_CLOEXEC) and dup2 keeps 0, 1, 2.
[[noreturn]] void exec_child(const ChildCommand& command, int output_fd, int error_fd, pid_t parent, char** argv,
                             char** envp) {
  // Die with civiup: SIGKILL when the parent goes, whatever way it goes.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  int null_fd = ::open("/dev/null", O_RDONLY);
  ::dup2(null_fd, 0);
  ::dup2(output_fd, 1);
  ::dup2(output_fd, 2);
  if (!command.cwd.empty() && ::chdir(command.cwd.c_str()) != 0) {
    dprintf(error_fd, "cannot enter %s: %s", command.cwd.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::execvpe(argv[0], argv, envp);
  dprintf(error_fd, "%s", std::strerror(errno));
  ::_exit(127);
}

// Forks and execs `command`, its stdout and stderr into `output`'s write end
// (closed here in the parent).  Returns the pid once exec succeeded; throws
// exec's failure as the child reported it.
pid_t start_child(const ChildCommand& command, Pipe& output) {
  const std::string& program = command.argv[0];
  Pipe exec_error = make_pipe("creating pipes");
  // Built before fork: the child must not allocate.
  std::vector<std::string> argv_copy = command.argv;
  std::vector<char*> argv;
  for (auto& word : argv_copy) argv.push_back(word.data());
  argv.push_back(nullptr);
  Environment env = build_environment(command.env);

  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) fail_errno("starting " + program);
  if (pid == 0)
    exec_child(command, output.write.get(), exec_error.write.get(), parent, argv.data(), env.pointers.data());
  ::setpgid(pid, pid);  // also in the parent: no race with kill(-pid)
  output.write.reset();
  exec_error.write.reset();

  // exec succeeded when the CLOEXEC pipe closes with nothing written.
  char reason[512] = {};
  ssize_t reason_size = ::read(exec_error.read.get(), reason, sizeof reason - 1);
  if (reason_size > 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    fail("cannot run {}: {}", program, std::string(reason, static_cast<size_t>(reason_size)));
  }
  return pid;
}

// Reads the child's output from `fd` until the child closes it, keeping the
// last kKeptOutput bytes in `result` and handing whole lines to on_line.
// Returns why it stopped early ("" when it did not): the command's timeout
// (result.timed_out) or an interrupt of civiup.
std::string read_output(const ChildCommand& command, int fd, std::chrono::steady_clock::time_point start,
                        ChildResult& result) {
  std::string partial_line;
  char buffer[16384];
  bool open = true;
  std::string stop_reason;
  while (open) {
    pollfd poll_fd{fd, POLLIN, 0};
    int ready = ::poll(&poll_fd, 1, 100);
    if (ready > 0) {
      ssize_t n = ::read(fd, buffer, sizeof buffer);
      if (n > 0) {
        std::string_view chunk(buffer, static_cast<size_t>(n));
        result.output.append(chunk);
        if (result.output.size() > 2 * kKeptOutput) result.output.erase(0, result.output.size() - kKeptOutput);
        partial_line.append(chunk);
        size_t newline;
        while ((newline = partial_line.find('\n')) != std::string::npos) {
          if (command.on_line) command.on_line(std::string_view(partial_line).substr(0, newline));
          partial_line.erase(0, newline + 1);
        }
      } else if (n == 0 || errno != EINTR) {
        open = false;
      }
    }
    auto elapsed = std::chrono::steady_clock::now() - start;
    if (command.timeout.count() > 0 && elapsed > command.timeout) {
      result.timed_out = true;
      stop_reason = fmt::format("timed out after {} s", std::chrono::duration<double>(command.timeout).count());
      break;
    }
    if (int signal_number = interrupt_signal().load(); signal_number != 0) {
      const char* name = sigabbrev_np(signal_number);
      stop_reason = fmt::format("stopped: civiup was interrupted by SIG{}", name != nullptr ? name : "?");
      break;
    }
  }
  if (!partial_line.empty() && command.on_line) command.on_line(partial_line);
  return stop_reason;
}

}  // namespace

ChildResult run_child(const ChildCommand& command) {
  if (command.argv.empty()) fail("empty command");
  const std::string& program = command.argv[0];
  Pipe output = make_pipe("creating pipes");
  auto start = std::chrono::steady_clock::now();
  pid_t pid = start_child(command, output);
  if (command.on_start) command.on_start(pid);

  ChildResult result;
  auto kill_group = [&] { ::kill(-pid, SIGKILL); };
  ScopeGuard kill_on_exception(kill_group);
  std::string stop_reason = read_output(command, output.read.get(), start, result);
  if (!stop_reason.empty()) kill_group();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  kill_on_exception.dismiss();
  // Whatever the command left running in its group goes too.
  ::kill(-pid, SIGKILL);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (result.output.size() > kKeptOutput) result.output.erase(0, result.output.size() - kKeptOutput);
  if (!stop_reason.empty() && !result.timed_out) fail("{} {}", program, stop_reason);
  return result;
}

ParsedCommandLine split_command_line(std::string_view line) {
  ParsedCommandLine parsed;
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::exchange(word, {}));
      in_word = false;
    } else if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos) fail("command line: unterminated single quote");
      word.append(line.substr(i + 1, end - i - 1));
      i = end;
      in_word = true;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size() && std::strchr("\"\\$`", line[j + 1]) != nullptr)
          ++j;
        else if (line[j] == '$' || line[j] == '`')
          fail("command line: expansions are not supported; write the value itself");
        word.push_back(line[j]);
      }
      if (j >= line.size()) fail("command line: unterminated double quote");
      i = j;
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 >= line.size()) fail("command line: a backslash ends it");
      word.push_back(line[++i]);
      in_word = true;
    } else if (std::strchr("|&;<>()$`*?[]{}~#", c) != nullptr && !(in_word && std::strchr("#~", c) != nullptr)) {
      fail("command line: '{}' needs a shell; civiup runs the command directly (quote it if it is a plain character)",
           c);
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  size_t first = 0;
  for (; first < words.size(); ++first) {
    size_t equals = words[first].find('=');
    bool is_name =
        equals != std::string::npos && equals > 0 &&
        words[first].find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") == equals;
    if (!is_name) break;
    parsed.env[words[first].substr(0, equals)] = words[first].substr(equals + 1);
  }
  parsed.argv.assign(words.begin() + static_cast<std::ptrdiff_t>(first), words.end());
  if (parsed.argv.empty()) fail("command line: no command");
  return parsed;
}

bool process_alive(pid_t pid) {
  std::ifstream stat(fmt::format("/proc/{}/stat", pid));
  std::string content;
  if (!std::getline(stat, content)) return false;
  size_t close_paren = content.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < content.size() && content[close_paren + 2] != 'Z';
}

bool kill_process_group(pid_t pgid, std::chrono::milliseconds wait) {
  if (pgid <= 1) return true;
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    if (::kill(-pgid, SIGKILL) != 0 && errno == ESRCH) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

namespace fs = std::filesystem;

std::optional<fs::path> find_on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    if (::access(program.c_str(), X_OK) == 0) return fs::absolute(program);
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path == nullptr ? "" : path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::filesystem::path candidate = std::filesystem::path(dir.empty() ? "." : dir) / program;
    std::error_code error;
    if (fs::is_regular_file(candidate, error) && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

}  // namespace civiup
