#include "civiup/transaction/state_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <string>

#include "civiup/base/error.hpp"

namespace civiup {

StateLock::StateLock(const std::filesystem::path& state_dir) {
  std::filesystem::path path = state_dir / "lock";
  fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd_) fail_errno("opening lock " + path.string());
  if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    int error_number = errno;
    char holder[32] = {};
    ssize_t n = ::pread(fd_.get(), holder, sizeof holder - 1, 0);
    if (error_number == EWOULDBLOCK) {
      std::string pid = n > 0 ? std::string(holder, static_cast<size_t>(n)) : "unknown";
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      fail("state directory {} is in use by another civiup (pid {})", state_dir.string(), pid);
    }
    fail_errno("locking " + path.string(), error_number);
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_.get(), 0) != 0 || ::pwrite(fd_.get(), pid.data(), pid.size(), 0) < 0) {
    fail_errno("writing lock " + path.string());
  }
}

}  // namespace civiup
