// Staging a verified release: extraction with libarchive's secure flags (and
// our own entry rules, again), the l10n overlay, owner and modes copied from
// the tree being replaced, and one syncfs before anything may swap it in.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/private_files.hpp"
#include "civiup/base/progress.hpp"
#include "civiup/base/scope_guard.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/release/release.hpp"
#include "release_archive.hpp"

namespace civiup {
namespace fs = std::filesystem;
using namespace release_detail;

namespace {

constexpr mode_t kPermissionBits = 0777;  // never setuid, setgid or sticky
constexpr uint64_t kProgressEvery = 200;  // entries between two progress reports

mode_t most_common(const std::map<mode_t, size_t>& counts, mode_t fallback) {
  mode_t best = fallback;
  size_t best_count = 0;
  for (const auto& [mode, count] : counts) {
    if (count > best_count) {
      best = mode;
      best_count = count;
    }
  }
  return best;
}

struct stat lstat_or_fail(const fs::path& path) {
  struct stat info {};
  if (::lstat(path.c_str(), &info) != 0) fail_errno(fmt::format("lstat of {}", path.string()));
  return info;
}

// An l10n entry may add files and overwrite files, never turn a directory of
// the release into a file (or back), nor write over a symlink.
void check_overlay_target(const EntryRules::Checked& checked) {
  struct stat info {};
  if (::lstat(checked.path.c_str(), &info) != 0) return;
  bool entry_is_dir = checked.type == EntryType::kDirectory;
  if (S_ISLNK(info.st_mode)) fail("entry '{}': would replace a symlink of the release", printable(checked.path));
  if (S_ISDIR(info.st_mode) != entry_is_dir) {
    fail("entry '{}': would replace a {} of the release with a {}", printable(checked.path),
         S_ISDIR(info.st_mode) ? "directory" : "file", entry_is_dir ? "directory" : "file");
  }
}

// Extracts `tarball` relative to the working directory (the staging dir).
void extract(const ReleaseTarball& tarball, bool overlay, Progress& progress) {
  progress.begin(fmt::format("unpacking {}", tarball.path().filename().string()), tarball.entry_count(), "entries");
  ScopeGuard end_progress([&] { progress.end(); });
  uint64_t unreported_entries = 0;
  uint64_t unreported_bytes = 0;
  FdSource source{tarball.fd(), 0, {}};
  ArchiveReader reader = open_reader(source);
  ArchiveWriter disk(archive_write_disk_new());
  if (!disk) fail("out of memory creating an archive writer");
  int flags = ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
              ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME;
  if (!overlay) flags |= ARCHIVE_EXTRACT_NO_OVERWRITE;
  archive_write_disk_set_options(disk.get(), flags);

  EntryRules rules(tarball.limits());
  bool first = true;
  while (true) {
    archive_entry* entry = nullptr;
    int status = archive_read_next_header(reader.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status != ARCHIVE_OK) fail("corrupt or truncated: {}", archive_message(reader.get()));
    if (first) require_gzip(reader.get());
    first = false;
    EntryRules::Checked checked = rules.check(entry);
    if (overlay) check_overlay_target(checked);
    archive_entry_set_pathname(entry, checked.path.c_str());
    if (checked.type == EntryType::kHardlink) archive_entry_set_hardlink(entry, checked.hardlink.c_str());
    if (checked.type != EntryType::kSymlink) archive_entry_set_perm(entry, archive_entry_perm(entry) & kPermissionBits);
    if (archive_write_header(disk.get(), entry) != ARCHIVE_OK) {
      fail("entry '{}': {}", printable(checked.path), archive_message(disk.get()));
    }
    if (checked.size > 0) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      while ((status = archive_read_data_block(reader.get(), &block, &size, &offset)) == ARCHIVE_OK) {
        rules.count_data(checked.path, size, static_cast<uint64_t>(source.offset));
        unreported_bytes += size;
        if (archive_write_data_block(disk.get(), block, size, offset) != ARCHIVE_OK) {
          fail("entry '{}': {}", printable(checked.path), archive_message(disk.get()));
        }
      }
      if (status != ARCHIVE_EOF) {
        fail("entry '{}': corrupt or truncated: {}", printable(checked.path), archive_message(reader.get()));
      }
    }
    if (archive_write_finish_entry(disk.get()) != ARCHIVE_OK) {
      fail("entry '{}': {}", printable(checked.path), archive_message(disk.get()));
    }
    // Between entries: a throw here leaves only whole files, and the caller removes the staging dir.
    if (++unreported_entries == kProgressEvery) {
      progress.advance(unreported_entries, unreported_bytes);
      unreported_entries = unreported_bytes = 0;
    }
  }
  rules.finish();
  if (unreported_entries > 0 || unreported_bytes > 0) progress.advance(unreported_entries, unreported_bytes);
  if (archive_write_close(disk.get()) != ARCHIVE_OK) fail("finishing extraction: {}", archive_message(disk.get()));
}

void set_owner_and_mode(const fs::path& path, const struct stat& info, const ReferenceTree& reference) {
  mode_t wanted = 0;
  if (S_ISDIR(info.st_mode)) {
    wanted = reference.dir_mode;
  } else if (S_ISREG(info.st_mode)) {
    wanted = (info.st_mode & 0111) != 0 ? reference.exec_mode : reference.file_mode;
  }
  if (!S_ISLNK(info.st_mode) && (info.st_mode & 07777) != wanted && ::chmod(path.c_str(), wanted) != 0) {
    fail_errno(fmt::format("chmod of {}", path.string()));
  }
  if ((info.st_uid != reference.uid || info.st_gid != reference.gid) &&
      ::lchown(path.c_str(), reference.uid, reference.gid) != 0) {
    fail_errno(fmt::format("setting owner {}:{} on {}", reference.uid, reference.gid, path.string()));
  }
}

// Every entry of the staged tree gets the reference owner and modes, including
// directories libarchive created implicitly.
void normalise_tree(const fs::path& tree, const ReferenceTree& reference) {
  set_owner_and_mode(tree, lstat_or_fail(tree), reference);
  for (auto it = fs::recursive_directory_iterator(tree); it != fs::recursive_directory_iterator(); ++it) {
    set_owner_and_mode(it->path(), lstat_or_fail(it->path()), reference);
  }
}

}  // namespace

ReferenceTree ReferenceTree::from_directory(const fs::path& tree) {
  return with_context(fmt::format("reading owner and modes of {}", tree.string()), [&] {
    struct stat top = lstat_or_fail(tree);
    if (!S_ISDIR(top.st_mode)) fail("not a directory");
    ReferenceTree reference;
    reference.uid = top.st_uid;
    reference.gid = top.st_gid;
    std::map<mode_t, size_t> dirs{{top.st_mode & kPermissionBits, 1}};
    std::map<mode_t, size_t> files;
    std::map<mode_t, size_t> executables;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(tree, error); !error && it != fs::recursive_directory_iterator();
         it.increment(error)) {
      struct stat info {};
      if (::lstat(it->path().c_str(), &info) != 0) continue;
      mode_t mode = info.st_mode & kPermissionBits;
      if (S_ISDIR(info.st_mode)) {
        ++dirs[mode];
      } else if (S_ISREG(info.st_mode)) {
        ++((mode & 0111) != 0 ? executables : files)[mode];
      }
    }
    if (error) fail("walking the tree: {}", error.message());
    reference.dir_mode = most_common(dirs, 0755);
    reference.file_mode = most_common(files, 0644);
    // Executables: as the old tree had them, else the file mode plus x where r is.
    reference.exec_mode = most_common(executables, reference.file_mode | ((reference.file_mode & 0444) >> 2));
    return reference;
  });
}

StagedRelease stage_release(const ReleaseTarball& release, const ReleaseTarball* l10n, const fs::path& staging_dir,
                            const ReferenceTree& reference, Progress* progress) {
  Progress& report = progress != nullptr ? *progress : no_progress();
  return with_context(fmt::format("staging {} in {}", release.path().filename().string(), staging_dir.string()), [&] {
    if (release.kind() != TarballKind::kRelease || !release.version()) fail("not a verified release tarball");
    if (l10n != nullptr && l10n->kind() != TarballKind::kL10n) fail("the l10n tarball was not verified as one");
    fs::path staging = fs::absolute(staging_dir);
    if (int error = create_private_directory(staging); error != 0) fail_errno("creating the staging directory", error);
    ScopeGuard remove_staging([&] {
      std::error_code ignored;
      fs::remove_all(staging, ignored);
    });
    {
      // libarchive writes relative to the working directory.
      UniqueFd previous(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!previous) fail_errno("opening the working directory");
      ScopeGuard restore_cwd([&previous] {
        if (::fchdir(previous.get()) != 0) {
          // Nothing sensible to do in a destructor; later relative paths would be wrong.
        }
      });
      if (::chdir(staging.c_str()) != 0) fail_errno("entering the staging directory");
      extract(release, false, report);
      if (l10n != nullptr) with_context(l10n->path().filename().string(), [&] { extract(*l10n, true, report); });
    }
    StagedRelease staged;
    staged.tree = staging / "civicrm";
    if (!fs::is_directory(staged.tree)) fail("the release holds no civicrm/ directory");
    normalise_tree(staged.tree, reference);
    sync_filesystem(staging);
    staged.version = *release.version();
    staged.file_count = release.file_count() + (l10n != nullptr ? l10n->file_count() : 0);
    staged.unpacked_bytes = release.unpacked_bytes() + (l10n != nullptr ? l10n->unpacked_bytes() : 0);
    remove_staging.dismiss();
    return staged;
  });
}

}  // namespace civiup
