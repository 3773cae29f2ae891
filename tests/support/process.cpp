#include "support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "civiup/base/unique_fd.hpp"

extern char** environ;

namespace civiup::test {

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  Pipe out_pipe = make_pipe("pipe failed");
  Pipe err_pipe = make_pipe("pipe failed");
  Pipe in_pipe = make_pipe("pipe failed");
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    std::string key = entry.substr(0, entry.find('='));
    if (options.extra_env.count(key) == 0) env_strings.push_back(entry);
  }
  for (const auto& [key, value] : options.extra_env) env_strings.push_back(key + "=" + value);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Leaves by exec or _exit: no destructor runs in the child.
    ::dup2(in_pipe.read.get(), 0);
    ::dup2(out_pipe.write.get(), 1);
    ::dup2(err_pipe.write.get(), 2);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(126);
    ::execvpe(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  in_pipe.read.reset();
  out_pipe.write.reset();
  err_pipe.write.reset();
  // Feed stdin, then read both pipes until they close.
  if (!options.stdin_text.empty()) {
    [[maybe_unused]] ssize_t ignored =
        ::write(in_pipe.write.get(), options.stdin_text.data(), options.stdin_text.size());
  }
  in_pipe.write.reset();
  ProcessResult result;
  UniqueFd* ends[2] = {&out_pipe.read, &err_pipe.read};
  pollfd fds[2] = {{out_pipe.read.get(), POLLIN, 0}, {err_pipe.read.get(), POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buffer[65536];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ends[i]->reset();
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

ProcessResult run_civiup(const std::vector<std::string>& args, const ProcessOptions& options) {
  std::vector<std::string> argv = {CIVIUP_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  // status and check ask the release feed whether a newer release exists:
  // never from tests, unless one sets CIVIUP_OFFLINE itself ("" = online).
  ProcessOptions offline = options;
  offline.extra_env.emplace("CIVIUP_OFFLINE", "1");
  return run_process(argv, offline);
}

}  // namespace civiup::test
