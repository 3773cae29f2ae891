#include "civiup/base/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

#include "civiup/base/error.hpp"
#include "civiup/base/scope_guard.hpp"
#include "civiup/base/unique_fd.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

UniqueFd open_or_fail(const fs::path& path, int flags, mode_t mode = 0) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, mode));
  if (!fd) fail_errno(fmt::format("opening {}", path.string()));
  return fd;
}

std::string temp_name_for(const fs::path& path) {
  std::random_device random;
  return fmt::format(".{}.tmp-{}-{:08x}", path.filename().string(), ::getpid(), random());
}

}  // namespace

void fsync_path(const fs::path& path) {
  UniqueFd fd = open_or_fail(path, O_RDONLY);
  if (::fsync(fd.get()) != 0) fail_errno(fmt::format("fsync of {}", path.string()));
}

void fsync_parent(const fs::path& path) {
  fs::path parent = path.parent_path();
  fsync_path(parent.empty() ? fs::path(".") : parent);
}

void sync_filesystem(const fs::path& path) {
  UniqueFd fd = open_or_fail(path, O_RDONLY);
  if (::syncfs(fd.get()) != 0) fail_errno(fmt::format("syncfs of {}", path.string()));
}

namespace {

void write_durably(const fs::path& path, std::string_view content, mode_t mode, const struct stat* owner) {
  fs::path temp = path.parent_path() / temp_name_for(path);
  UniqueFd fd = open_or_fail(temp, O_WRONLY | O_CREAT | O_EXCL, mode);
  ScopeGuard remove_temp([&] { ::unlink(temp.c_str()); });
  if (owner != nullptr && ::fchown(fd.get(), owner->st_uid, owner->st_gid) != 0) {
    fail_errno(fmt::format("chown of {}", temp.string()));
  }
  if (::fchmod(fd.get(), mode) != 0) fail_errno(fmt::format("chmod of {}", temp.string()));
  std::string_view rest = content;
  while (!rest.empty()) {
    ssize_t written = ::write(fd.get(), rest.data(), rest.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail_errno(fmt::format("writing {}", path.string()));
    }
    rest.remove_prefix(static_cast<size_t>(written));
  }
  if (::fsync(fd.get()) != 0) fail_errno(fmt::format("fsync of {}", path.string()));
  if (int error = fd.close(); error != 0) fail_errno(fmt::format("closing {}", path.string()), error);
  if (::rename(temp.c_str(), path.c_str()) != 0) fail_errno(fmt::format("renaming into {}", path.string()));
  remove_temp.dismiss();
  fsync_parent(path);
}

}  // namespace

void write_file_durably(const fs::path& path, std::string_view content, mode_t mode) {
  write_durably(path, content, mode, nullptr);
}

void replace_file_durably(const fs::path& path, std::string_view content) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) fail_errno(fmt::format("stat of {}", path.string()));
  write_durably(path, content, st.st_mode & 07777, &st);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_errno(fmt::format("reading {}", path.string()));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) fail_errno(fmt::format("reading {}", path.string()));
  return std::move(buffer).str();
}

}  // namespace civiup
