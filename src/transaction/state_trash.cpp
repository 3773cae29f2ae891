#include "civiup/transaction/state_trash.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/ioprio.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/base/private_files.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/system/paths.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

std::atomic<bool>& sync_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

fs::path lock_file(const fs::path& state_dir) { return state_dir / "trash.lock"; }

bool trash_empty(const fs::path& state_dir) {
  std::error_code error;
  return fs::is_empty(trash_dir(state_dir), error) || error;
}

// Deletes everything below the open directory `dir`, depth first, with system
// calls only: the background deleter runs it in a forked child of a civiup
// that may have had threads, where the allocator must not be used.  Entries
// are unlinked while the directory is read, so a pass may miss some: passes
// repeat until one finds nothing.  True when the directory ended up empty.
bool delete_contents(int dir) {
  alignas(8) char buffer[16384];
  for (int pass = 0; pass < 4; ++pass) {
    bool seen = false;
    ::lseek(dir, 0, SEEK_SET);
    long n = 0;
    while ((n = ::syscall(SYS_getdents64, dir, buffer, sizeof buffer)) > 0) {
      for (long offset = 0; offset < n;) {
        const auto* entry = reinterpret_cast<const struct dirent64*>(buffer + offset);
        offset += entry->d_reclen;
        const char* name = entry->d_name;
        if (std::strcmp(name, ".") == 0 || std::strcmp(name, "..") == 0) continue;
        seen = true;
        if (entry->d_type != DT_DIR && (::unlinkat(dir, name, 0) == 0 || errno != EISDIR)) continue;
        // UniqueFd allocates nothing: safe in the forked deleter too.
        if (UniqueFd sub(::openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)); sub)
          delete_contents(sub.get());
        ::unlinkat(dir, name, AT_REMOVEDIR);
      }
    }
    if (n < 0) return false;
    if (!seen) return true;
  }
  return false;
}

// Writes the holder's pid into the lock file, without the allocator.
void write_pid(int fd) {
  char digits[24];
  int length = 0;
  for (unsigned long pid = static_cast<unsigned long>(::getpid()); pid != 0 || length == 0; pid /= 10) {
    digits[length++] = static_cast<char>('0' + pid % 10);
  }
  char text[25];
  for (int i = 0; i < length; ++i) text[i] = digits[length - 1 - i];
  text[length] = '\n';
  if (::ftruncate(fd, 0) != 0) return;  // the pid is for people and `status`; the lock is what counts
  [[maybe_unused]] ssize_t written = ::pwrite(fd, text, static_cast<size_t>(length) + 1, 0);
}

std::optional<int> holder_pid(int fd) {
  char text[32] = {};
  ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  if (n <= 0) return std::nullopt;
  int pid = std::atoi(text);
  return pid > 0 ? std::optional<int>(pid) : std::nullopt;
}

// The deleter, in the grandchild: no terminal, no inherited descriptors but
// the lock, the lowest CPU and I/O priority; then it waits for the lock (a
// deleter or sweep already at work) and empties the trash.
[[noreturn]] void run_deleter(int lock_fd, int trash_fd) {
  // Never the caller's pipes: a reader of civiup's output would wait for the deleter.
  // Raw descriptors from here on: this child leaves only by _exit, no destructor runs.
  int null_fd = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; ++fd) null_fd >= 0 ? ::dup2(null_fd, fd) : ::close(fd);
  // Moved out of the way first: either may be 3 or 4 already.
  lock_fd = ::fcntl(lock_fd, F_DUPFD, 10);
  trash_fd = ::fcntl(trash_fd, F_DUPFD, 10);
  ::dup2(lock_fd, 3);
  ::dup2(trash_fd, 4);
  if (::syscall(SYS_close_range, 5U, ~0U, 0U) != 0) {
    for (int fd = 5; fd < 65536; ++fd) ::close(fd);
  }
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  ::setpriority(PRIO_PROCESS, 0, 19);
  ::syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 0));
  if (::flock(3, LOCK_EX) == 0) {
    write_pid(3);
    delete_contents(4);
  }
  ::_exit(0);
}

UniqueFd open_lock(const fs::path& state_dir) {
  fs::path path = lock_file(state_dir);
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) fail_errno("opening " + path.string());
  return fd;
}

}  // namespace

fs::path trash_dir(const fs::path& state_dir) { return state_dir / "trash"; }

void set_sync_delete(bool sync) { sync_flag().store(sync); }

bool sync_delete() {
  const char* env = std::getenv("CIVIUP_SYNC_DELETE");
  return sync_flag().load() || (env != nullptr && std::strcmp(env, "1") == 0);
}

void move_to_trash(const fs::path& state_dir, const fs::path& path) {
  std::error_code error;
  if (!fs::exists(fs::symlink_status(path, error))) return;
  fs::path trash = trash_dir(state_dir);
  // 0700 like every state subdirectory: the trash holds dumps with personal data.
  if (int mkdir_error = create_private_directory(trash); mkdir_error != 0 && mkdir_error != EEXIST)
    fail_errno("creating " + trash.string(), mkdir_error);
  std::string name = path.parent_path().filename().string() + "-" + path.filename().string();
  for (int attempt = 0;; ++attempt) {
    fs::path target = trash / (attempt == 0 ? name : fmt::format("{}.{}", name, attempt));
    if (::syscall(SYS_renameat2, AT_FDCWD, path.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) {
      spdlog::debug("moved {} into the trash as {}", path.string(), target.filename().string());
      return;
    }
    if (errno == EEXIST && attempt < 100) continue;
    if (errno != EXDEV) fail_errno(fmt::format("moving {} into the trash {}", path.string(), trash.string()));
    break;
  }
  // Another filesystem: no rename possible, delete it here.
  fs::remove_all(path, error);
  if (error) fail("removing {}: {}", path.string(), error.message());
}

void empty_trash(const fs::path& state_dir) {
  if (trash_empty(state_dir)) return;
  UniqueFd lock_fd;
  try {
    lock_fd = open_lock(state_dir);
  } catch (const std::exception& e) {
    spdlog::warn("{}; the trash is left for the next civiup command", e.what());
    return;
  }
  if (::flock(lock_fd.get(), LOCK_EX | LOCK_NB) != 0) {
    std::optional<int> pid = holder_pid(lock_fd.get());
    if (pid) {
      // Raise it to normal priority: it is in our way now (allowed for root, or
      // for its owner as far as the limits allow; a refusal just means waiting longer).
      ::setpriority(PRIO_PROCESS, static_cast<id_t>(*pid), 0);
      ::syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, *pid, IOPRIO_PRIO_VALUE(IOPRIO_CLASS_BE, 4));
    }
    spdlog::info("waiting for the trash deleter (pid {}) to finish", pid ? std::to_string(*pid) : "unknown");
    if (::flock(lock_fd.get(), LOCK_EX) != 0) {
      spdlog::warn("locking {}: {}; the trash is left for the next civiup command", lock_file(state_dir).string(),
                   std::strerror(errno));
      return;
    }
  }
  write_pid(lock_fd.get());
  fs::path trash = trash_dir(state_dir);
  UniqueFd trash_fd(::open(trash.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  bool emptied = trash_fd && delete_contents(trash_fd.get());
  trash_fd.reset();
  lock_fd.reset();
  if (!emptied) spdlog::warn("{}: some entries could not be deleted; delete them by hand", trash.string());
}

void delete_trash_later(const fs::path& state_dir) {
  if (trash_empty(state_dir)) return;
  if (sync_delete()) {
    empty_trash(state_dir);
    return;
  }
  fs::path trash = trash_dir(state_dir);
  UniqueFd lock_fd;
  UniqueFd trash_fd;
  try {
    lock_fd = open_lock(state_dir);
    trash_fd.reset(::open(trash.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!trash_fd) fail_errno("opening " + trash.string());
  } catch (const std::exception& e) {
    spdlog::warn("{}; the trash is deleted by the next civiup command", e.what());
    return;
  }
  // Fork twice: the deleter is a child of init, in its own session, so it is
  // no one's zombie and no terminal's signal reaches it.
  pid_t child = ::fork();
  if (child == 0) {
    ::setsid();
    if (::fork() == 0) run_deleter(lock_fd.get(), trash_fd.get());
    ::_exit(0);
  }
  int error_number = errno;
  lock_fd.reset();
  trash_fd.reset();
  if (child < 0) {
    spdlog::warn("starting the trash deleter: {}; deleting {} now", std::strerror(error_number), trash.string());
    empty_trash(state_dir);
    return;
  }
  ::waitpid(child, nullptr, 0);
  spdlog::info("deleting {} in the background", trash.string());
}

void sweep_trash(const fs::path& state_dir, uint64_t needed_bytes) {
  if (trash_empty(state_dir)) return;
  std::error_code error;
  uint64_t free_bytes = fs::space(state_dir, error).available;
  if (error) free_bytes = 0;
  if (free_bytes < needed_bytes) {
    spdlog::info("{} MB free, about {} MB needed: emptying the trash first", free_bytes >> 20, needed_bytes >> 20);
    empty_trash(state_dir);
  } else {
    delete_trash_later(state_dir);
  }
}

TrashInfo inspect_trash(const fs::path& state_dir) {
  TrashInfo info;
  info.bytes = directory_bytes(trash_dir(state_dir));
  UniqueFd fd(::open(lock_file(state_dir).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return info;
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK)
    info.deleter_pid = holder_pid(fd.get()).value_or(0);
  return info;  // closing releases our shared lock, if we got it
}

}  // namespace civiup
