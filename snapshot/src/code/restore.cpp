// CodeRepository::restore: the snapshot's tree written into an empty directory
// (never over a live tree), then its manifest applied: modes, owners, empty
// directories, real names for escaped ones.  Files are written by all cores.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "civiup/snapshot/durable_file.hpp"
#include "parallel.hpp"
#include "snapshot_contents.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

namespace {

// Each thread writes this many files in path order at a time: mostly one
// directory per thread, rather than two threads queueing for one.
constexpr std::size_t kFilesPerTurn = 64;

void prepare_empty_target(const fs::path& target) {
  struct stat status {};
  if (::lstat(target.c_str(), &status) != 0) {
    if (errno != ENOENT) fail_errno(fmt::format("restore target {}", target.string()));
    if (::mkdir(target.c_str(), 0700) != 0) fail_errno(fmt::format("creating restore target {}", target.string()));
    return;
  }
  if (!S_ISDIR(status.st_mode)) fail("restore target {} exists and is not a directory", target.string());
  if (!fs::is_empty(target)) fail("restore target {} is not empty (a restore never writes over a tree)", target.string());
}

void write_all(int fd, const char* data, std::size_t size, const fs::path& path) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) fail_errno(fmt::format("writing {}", path.string()));
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

class TreeWriter {
 public:
  TreeWriter(git_repository* repository, const fs::path& target, const RestoreOptions& options)
      : target_(target), set_owners_(options.apply_owners && ::geteuid() == 0) {
    git_odb* raw = nullptr;
    git_check(git_repository_odb(&raw, repository), "opening the object database");
    odb_.reset(raw);
  }

  void write_file(const ContentEntry& entry) const {
    fs::path path = target_ / entry.path;
    git_odb_object* raw = nullptr;
    git_check(git_odb_read(&raw, odb_.get(), &entry.id), fmt::format("reading the content of '{}'", entry.path));
    OdbObjectHandle object(raw);
    const char* data = static_cast<const char*>(git_odb_object_data(raw));
    std::size_t size = git_odb_object_size(raw);
    if (entry.type == EntryType::symlink) {
      std::string link_target(data, size);
      if (::symlink(link_target.c_str(), path.c_str()) != 0) fail_errno(fmt::format("creating symlink {}", path.string()));
      if (set_owners_ && ::lchown(path.c_str(), entry.uid, entry.gid) != 0) fail_errno(fmt::format("chown of {}", path.string()));
      return;
    }
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) fail_errno(fmt::format("creating {}", path.string()));
    ScopeGuard close_fd([fd] { ::close(fd); });
    write_all(fd, data, size, path);
    // chown first: it clears setuid/setgid bits that chmod then sets.
    if (set_owners_ && ::fchown(fd, entry.uid, entry.gid) != 0) fail_errno(fmt::format("chown of {}", path.string()));
    if (::fchmod(fd, entry.mode) != 0) fail_errno(fmt::format("chmod of {}", path.string()));
  }

  void finish_directory(const ContentEntry& entry) const {
    fs::path path = target_ / entry.path;
    if (set_owners_ && ::lchown(path.c_str(), entry.uid, entry.gid) != 0) fail_errno(fmt::format("chown of {}", path.string()));
    if (::chmod(path.c_str(), entry.mode) != 0) fail_errno(fmt::format("chmod of {}", path.string()));
  }

  void make_directory(const ContentEntry& entry) const {
    fs::path path = target_ / entry.path;
    if (::mkdir(path.c_str(), 0700) != 0) fail_errno(fmt::format("creating directory {}", path.string()));
  }

 private:
  fs::path target_;
  bool set_owners_;
  OdbHandle odb_;
};

}  // namespace

void CodeRepository::restore(std::string_view id, const fs::path& target, const RestoreOptions& options) const {
  git_repository* repository = state_->repository.get();
  with_context(fmt::format("restoring snapshot {} into {}", id, target.string()), [&] {
    SnapshotCommit snapshot = open_snapshot(repository, state_->resolve(id));
    std::vector<ContentEntry> entries = snapshot_contents(repository, snapshot);
    prepare_empty_target(target);
    TreeWriter writer(repository, target, options);

    // Parents sort before their contents, so one pass creates every directory;
    // they stay 0700 (writable) until all files are in.
    std::vector<const ContentEntry*> files;
    std::vector<const ContentEntry*> directories;
    for (const auto& entry : entries) {
      if (entry.type == EntryType::directory) {
        writer.make_directory(entry);
        directories.push_back(&entry);
      } else {
        files.push_back(&entry);
      }
    }
    parallel_for(files.size(), worker_count(), [&](std::size_t i) { writer.write_file(*files[i]); }, kFilesPerTurn);
    // Deepest first, so a read-only directory is closed only after its children.
    for (auto it = directories.rbegin(); it != directories.rend(); ++it) writer.finish_directory(**it);
    if (options.sync) sync_filesystem(target);
  });
}

}  // namespace civiup::snapshot
