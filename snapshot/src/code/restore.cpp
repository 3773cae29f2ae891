// CodeRepository::restore: the snapshot's tree written into an empty directory
// (never over a live tree), then its manifest applied: modes, owners, empty
// directories, real names for escaped ones.  Files are written by all cores.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <functional>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/private_files.hpp"
#include "civiup/base/unique_fd.hpp"
#include "pack_reader.hpp"
#include "parallel.hpp"
#include "snapshot_contents.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

namespace {

// Each thread writes this many files in path order at a time (mostly one
// directory per thread, rather than two threads queueing for one), then
// reports progress.
constexpr std::size_t kFilesPerTurn = 64;

// Returns whether the restore created the target.
bool prepare_empty_target(const fs::path& target) {
  struct stat status {};
  if (::lstat(target.c_str(), &status) != 0) {
    if (errno != ENOENT) fail_errno(fmt::format("restore target {}", target.string()));
    if (int error = create_private_directory(target); error != 0)
      fail_errno(fmt::format("creating restore target {}", target.string()), error);
    return true;
  }
  if (!S_ISDIR(status.st_mode)) fail("restore target {} exists and is not a directory", target.string());
  if (!fs::is_empty(target))
    fail("restore target {} is not empty (a restore never writes over a tree)", target.string());
  return false;
}

// Undoes a failed restore: the target as it was (absent, or empty).  Returns
// what could not be removed, "" if nothing.
std::string clear_target(const fs::path& target, bool created) {
  std::error_code error;
  if (created) {
    fs::remove_all(target, error);
  } else {
    for (fs::directory_iterator it(target, error), end; !error && it != end; it.increment(error)) {
      fs::remove_all(it->path(), error);
      if (error) break;
    }
  }
  return error ? error.message() : "";
}

// The process's umask, without changing it (umask(2) can only set it, and
// other threads may be creating files).  0777 if unknown: then every mode is
// set explicitly.
mode_t current_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<mode_t>(std::stoul(line.substr(6), nullptr, 8));
  }
  return 0777;
}

void write_all(int fd, const char* data, std::size_t size, const std::string& path) {
  while (size > 0) {
    ssize_t written = ::write(fd, data, size);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) fail_errno(fmt::format("writing {}", path));
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}

// Writes entries, and sets modes and owners only where creating them did not
// already (most files of a tree restored by their owner need neither call).
class TreeWriter {
 public:
  TreeWriter(git_repository* repository, const fs::path& target, const RestoreOptions& options)
      : target_(target.string() + "/"),
        set_owners_(options.apply_owners && ::geteuid() == 0),
        umask_(current_umask()),
        packs_(fs::path(git_repository_path(repository)) / "objects" / "pack") {
    git_odb* raw = nullptr;
    git_check(git_repository_odb(&raw, repository), "opening the object database");
    odb_.reset(raw);
    // What a new entry's owner is: ours, with the group of a setgid target
    // (which its new subdirectories inherit, setgid bit and all).
    struct stat status {};
    if (::stat(target.c_str(), &status) != 0) fail_errno(fmt::format("restore target {}", target.string()));
    new_uid_ = ::geteuid();
    new_gid_ = (status.st_mode & S_ISGID) != 0 ? status.st_gid : ::getegid();
  }

  // Returns the bytes written.
  std::uint64_t write_file(const ContentEntry& entry) const {
    std::string path = target_ + entry.path;
    std::uint64_t size = 0;
    if (entry.type == EntryType::symlink) {
      std::string link_target;
      read_content(entry, [&](const char* data, std::size_t length) { link_target.append(data, length); });
      if (::symlink(link_target.c_str(), path.c_str()) != 0) fail_errno(fmt::format("creating symlink {}", path));
      if (needs_chown(entry) && ::lchown(path.c_str(), entry.uid, entry.gid) != 0)
        fail_errno(fmt::format("chown of {}", path));
      return link_target.size();
    }
    // Created with its final permission bits where the umask keeps them.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, entry.mode & 0777));
    if (!fd) fail_errno(fmt::format("creating {}", path));
    read_content(entry, [&](const char* data, std::size_t length) {
      write_all(fd.get(), data, length, path);
      size += length;
    });
    // chown first: it clears setuid/setgid bits that chmod then sets.
    if (needs_chown(entry) && ::fchown(fd.get(), entry.uid, entry.gid) != 0)
      fail_errno(fmt::format("chown of {}", path));
    if (!created_exact(entry.mode) && ::fchmod(fd.get(), entry.mode) != 0) fail_errno(fmt::format("chmod of {}", path));
    return size;
  }

  // A directory stays 0700 while it is filled unless its own mode is as safe
  // (owner rwx, nobody else may write): then it gets that mode at once.
  void make_directory(const ContentEntry& entry) const {
    std::string path = target_ + entry.path;
    mode_t mode = final_at_creation(entry.mode) ? entry.mode : 0700;
    if (::mkdir(path.c_str(), mode) != 0) fail_errno(fmt::format("creating directory {}", path));
  }

  void finish_directory(const ContentEntry& entry) const {
    bool chmod_needed = !final_at_creation(entry.mode);
    if (!needs_chown(entry) && !chmod_needed) return;
    std::string path = target_ + entry.path;
    if (needs_chown(entry) && ::lchown(path.c_str(), entry.uid, entry.gid) != 0)
      fail_errno(fmt::format("chown of {}", path));
    if (chmod_needed && ::chmod(path.c_str(), entry.mode) != 0) fail_errno(fmt::format("chmod of {}", path));
  }

 private:
  // The blob straight from a snapshot's pack when it can (no copy), else through libgit2.
  void read_content(const ContentEntry& entry, const std::function<void(const char*, std::size_t)>& visit) const {
    bool read = with_context(fmt::format("reading the content of '{}'", entry.path),
                             [&] { return packs_.read_blob(entry.id, visit); });
    if (read) return;
    git_odb_object* raw = nullptr;
    git_check(git_odb_read(&raw, odb_.get(), &entry.id), fmt::format("reading the content of '{}'", entry.path));
    OdbObjectHandle object(raw);
    visit(static_cast<const char*>(git_odb_object_data(raw)), git_odb_object_size(raw));
  }

  bool needs_chown(const ContentEntry& entry) const {
    return set_owners_ && (entry.uid != new_uid_ || entry.gid != new_gid_);
  }
  // Would creating with `mode & 0777` give exactly `mode`?
  bool created_exact(std::uint32_t mode) const { return (mode & 07000) == 0 && (mode & umask_) == 0; }
  bool final_at_creation(std::uint32_t mode) const {
    return created_exact(mode) && (mode & 0700) == 0700 && (mode & 0022) == 0;
  }

  std::string target_;  // with a trailing '/'
  bool set_owners_;
  mode_t umask_;
  uid_t new_uid_ = 0;
  gid_t new_gid_ = 0;
  OdbHandle odb_;
  PackReader packs_;
};

void write_tree(git_repository* repository, const std::vector<ContentEntry>& entries, const fs::path& target,
                const RestoreOptions& options, Progress& progress) {
  TreeWriter writer(repository, target, options);
  // Parents sort before their contents, so one pass creates every directory.
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
  progress.begin("restoring code", files.size(), "files");
  ScopeGuard end_progress([&] { progress.end(); });
  parallel_for_ranges(files.size(), worker_count(), kFilesPerTurn, [&](std::size_t begin, std::size_t end) {
    std::uint64_t bytes = 0;
    for (std::size_t i = begin; i < end; ++i) bytes += writer.write_file(*files[i]);
    progress.advance(end - begin, bytes);
  });
  // Deepest first, so a read-only directory is closed only after its children.
  for (auto it = directories.rbegin(); it != directories.rend(); ++it) writer.finish_directory(**it);
}

}  // namespace

void CodeRepository::restore(std::string_view id, const fs::path& target, const RestoreOptions& options) const {
  git_repository* repository = state_->repository.get();
  Progress& progress = options.progress != nullptr ? *options.progress : no_progress();
  with_context(fmt::format("restoring snapshot {} into {}", id, target.string()), [&] {
    SnapshotCommit snapshot = open_snapshot(repository, state_->resolve(id));
    std::vector<ContentEntry> entries = snapshot_contents(repository, snapshot);
    bool created = prepare_empty_target(target);
    try {
      write_tree(repository, entries, target, options, progress);
      if (options.sync) sync_filesystem(target);
    } catch (const Error& error) {
      std::string left = clear_target(target, created);
      if (left.empty()) throw;
      throw Error(fmt::format("{} (and the partial restore could not be removed: {})", error.what(), left));
    } catch (...) {
      clear_target(target, created);
      throw;
    }
  });
}

}  // namespace civiup::snapshot
