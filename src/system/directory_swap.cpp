#include "civiup/system/directory_swap.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/fs.h>

#include <random>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/private_files.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

int rename_exchange(const fs::path& a, const fs::path& b) {
  // The raw syscall works whatever glibc's wrapper offers.
  return static_cast<int>(::syscall(SYS_renameat2, AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE));
}

}  // namespace

void exchange_directories(const fs::path& a, const fs::path& b) {
  if (rename_exchange(a, b) != 0) {
    fail_errno(fmt::format("exchanging {} and {}", a.string(), b.string()));
  }
  fsync_parent(a);
  if (a.parent_path() != b.parent_path()) fsync_parent(b);
}

bool exchange_supported(const fs::path& dir) {
  std::random_device random;
  std::string tag = fmt::format(".civiup-probe-{}-{:x}", ::getpid(), random());
  fs::path first = dir / (tag + "-a");
  fs::path second = dir / (tag + "-b");
  if (int error = create_private_directory(first); error != 0)
    fail_errno("probing rename exchange in " + dir.string(), error);
  if (int error = create_private_directory(second); error != 0) {
    ::rmdir(first.c_str());
    fail_errno("probing rename exchange in " + dir.string(), error);
  }
  bool supported = rename_exchange(first, second) == 0;
  ::rmdir(first.c_str());
  ::rmdir(second.c_str());
  return supported;
}

bool same_filesystem(const fs::path& a, const fs::path& b) {
  struct stat first {
  }, second{};
  if (::stat(a.c_str(), &first) != 0) fail_errno("stat of " + a.string());
  if (::stat(b.c_str(), &second) != 0) fail_errno("stat of " + b.string());
  return first.st_dev == second.st_dev;
}

}  // namespace civiup
