#include "civiup/backdrop/backdrop_session.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"

namespace civiup {
namespace fs = std::filesystem;

BackdropSession::BackdropSession(std::vector<std::string> argv, const fs::path& root) {
  shown_ = argv.size() >= 2 ? fmt::format("{} {}", fs::path(argv.front()).filename().string(),
                                          fs::path(argv.back()).filename().string())
                            : argv.front();
  Pipe in = make_pipe("pipe");
  Pipe out = make_pipe("pipe");
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) fail_errno(fmt::format("starting {}", shown_));
  if (pid_ == 0) {
    // The child: its own group (killed whole), dies with civiup, stdout and stderr to civiup.
    // It leaves by exec or _exit, never through a destructor; exec closes the pipes (O_CLOEXEC).
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in.read.get(), STDIN_FILENO);
    ::dup2(out.write.get(), STDOUT_FILENO);
    ::dup2(out.write.get(), STDERR_FILENO);
    if (::chdir(root.c_str()) != 0) ::_exit(127);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::setpgid(pid_, pid_);
  to_child_ = std::move(in.write);
  from_child_ = std::move(out.read);
  spdlog::debug("{} started (pid {})", shown_, pid_);
}

BackdropSession::~BackdropSession() {
  to_child_.reset();  // end of input: the program exits
  for (int i = 0; i < 100; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    ::usleep(20000);
  }
  if (pid_ > 0) {
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string BackdropSession::read_answer(std::chrono::seconds timeout, const std::string& doing) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string output;  // what else it printed, for the error message
  for (;;) {
    size_t newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      if (line == "ready" || line == "ok" || line.starts_with("error: ")) return line;
      spdlog::debug("{}| {}", shown_, line);  // PHP notices, bee's own lines
      output = line;
      continue;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) fail("{}: {}: no answer within {} s", shown_, doing, timeout.count());
    pollfd poll_fd{from_child_.get(), POLLIN, 0};
    int ready = ::poll(&poll_fd, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) fail_errno("poll");
    if (ready == 0) continue;
    char chunk[4096];
    ssize_t n = ::read(from_child_.get(), chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      fail("{}: {}: the process ended{}", shown_, doing, output.empty() ? "" : fmt::format(" ({})", output));
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

void BackdropSession::wait_ready(std::chrono::seconds timeout) {
  if (ready_) return;
  std::string answer = read_answer(timeout, "bootstrapping Backdrop");
  if (answer != "ready") fail("{}: bootstrapping Backdrop: {}", shown_, answer.substr(7));
  ready_ = true;
  spdlog::debug("{}: Backdrop bootstrapped", shown_);
}

void BackdropSession::command(const std::string& line, std::chrono::seconds timeout) {
  wait_ready(timeout);
  std::string text = line + "\n";
  // A dead reader would raise SIGPIPE: MSG_NOSIGNAL is for sockets, so block it around the write.
  sigset_t pipe_set, old_set;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
  ssize_t written = ::write(to_child_.get(), text.data(), text.size());
  int write_errno = errno;
  timespec zero{0, 0};
  while (sigtimedwait(&pipe_set, nullptr, &zero) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
  if (written != static_cast<ssize_t>(text.size())) {
    fail("{}: {}: cannot send the command ({})", shown_, line, std::strerror(write_errno));
  }
  std::string answer = read_answer(timeout, line);
  if (answer != "ok") fail("{}: {}: {}", shown_, line, answer == "ready" ? answer : answer.substr(7));
}

}  // namespace civiup
