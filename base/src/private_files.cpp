#include "civiup/base/private_files.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "civiup/base/error.hpp"

namespace civiup {
namespace fs = std::filesystem;

void make_private(const fs::path& dir) {
  auto strip = [](const fs::path& path, bool is_dir) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0 || S_ISLNK(info.st_mode)) return;
    mode_t wanted = is_dir ? 0700 : (info.st_mode & 0700);
    if ((info.st_mode & 07777) != wanted && ::chmod(path.c_str(), wanted) != 0) {
      fail_errno(fmt::format("chmod {:o} {}", wanted, path.string()));
    }
  };
  strip(dir, true);
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(dir, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    std::error_code type_error;
    strip(it->path(), it->is_directory(type_error) && !it->is_symlink(type_error));
  }
  if (error) fail("making {} private: {}", dir.string(), error.message());
}

int create_private_directory(const fs::path& dir) noexcept {
  if (::mkdir(dir.c_str(), 0700) != 0 || ::chmod(dir.c_str(), 0700) != 0) return errno;
  return 0;
}

void make_private_directory(const fs::path& dir) {
  fs::create_directories(dir);
  if (::chmod(dir.c_str(), 0700) != 0) fail_errno(fmt::format("chmod 0700 {}", dir.string()));
}

}  // namespace civiup
