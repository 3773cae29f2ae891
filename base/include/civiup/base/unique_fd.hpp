#pragma once
// UniqueFd: one owned file descriptor, closed when it goes out of scope, so no
// error path leaks one.  Where close(2) can report a failed write (a durable
// file, NFS, a quota), call close() and check it; the destructor ignores it.
#include <unistd.h>

#include <cerrno>

namespace civiup {

class UniqueFd {
 public:
  UniqueFd() = default;
  // Owns `fd`; -1 (a failed open) owns nothing.  errno is left as it was.
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

  // Gives the descriptor up without closing it.
  [[nodiscard]] int release() noexcept {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

  // Closes the one owned (its error ignored: nothing written depends on it) and owns `fd`.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

  // Closes now: 0, or close(2)'s errno.  The descriptor is gone either way (Linux).
  [[nodiscard]] int close() noexcept {
    int fd = release();
    if (fd < 0 || ::close(fd) == 0) return 0;
    return errno;
  }

 private:
  int fd_ = -1;
};

// Both ends of a pipe2(O_CLOEXEC).
struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

// A new pipe, or an Error naming `what` it was for.
Pipe make_pipe(const char* what);

}  // namespace civiup
