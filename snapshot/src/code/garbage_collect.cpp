// CodeRepository::collect_garbage.  libgit2 has no gc: pack everything the
// snapshots (and the stat cache) reach into one new pack, make it durable,
// then delete every loose object and every other pack.  A crash at any point
// leaves all reachable objects on disk (in the new pack or where they were).
#include <sys/stat.h>

#include <cctype>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/private_files.hpp"
#include "parallel.hpp"
#include "repository_state.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

namespace {

std::uint64_t disk_usage(const fs::path& directory) {
  std::uint64_t total = 0;
  std::error_code error;
  for (fs::recursive_directory_iterator it(directory, error), end; it != end; it.increment(error)) {
    struct stat status {};
    if (::lstat(it->path().c_str(), &status) == 0) total += static_cast<std::uint64_t>(status.st_blocks) * 512;
  }
  return total;
}

bool is_fan_out_directory(const fs::path& path) {
  std::string name = path.filename().string();
  return name.size() == 2 && std::isxdigit(static_cast<unsigned char>(name[0])) &&
         std::isxdigit(static_cast<unsigned char>(name[1]));
}

// The tree the stat cache vouches for: its blobs must survive, or a later
// snapshot would reuse ids of deleted objects.  A cache that cannot be
// written as a tree is dropped instead (the next snapshot rehashes).
bool insert_stat_cache(git_packbuilder* packer, git_repository* repository, const fs::path& index_path) {
  if (!fs::exists(index_path)) return false;
  git_index* raw = nullptr;
  git_oid tree;
  bool kept = git_index_open(&raw, index_path.c_str()) == 0;
  IndexHandle index(raw);
  kept = kept && git_index_write_tree_to(&tree, index.get(), repository) == 0 &&
         git_packbuilder_insert_tree(packer, &tree) == 0;
  if (!kept) fs::remove(index_path);
  return kept;
}

}  // namespace

GarbageCollection CodeRepository::collect_garbage() {
  git_repository* repository = state_->repository.get();
  return with_context(fmt::format("collecting garbage in {}", state_->directory.string()), [&] {
    GarbageCollection result;
    fs::path objects = state_->objects_path();
    fs::path packs = objects / "pack";
    result.bytes_before = disk_usage(objects);
    fs::remove_all(state_->incoming_path());

    git_packbuilder* raw = nullptr;
    git_check(git_packbuilder_new(&raw, repository), "starting a pack");
    PackBuilderHandle packer(raw);
    git_packbuilder_set_threads(raw, worker_count());
    for (const auto& snapshot : list()) {
      git_oid id;
      git_check(git_oid_fromstr(&id, snapshot.id.c_str()), "parsing a snapshot id");
      git_check(git_packbuilder_insert_commit(raw, &id), fmt::format("packing snapshot {}", snapshot.id));
    }
    insert_stat_cache(raw, repository, state_->index_path());
    result.objects_kept = git_packbuilder_object_count(raw);

    std::string keep;
    if (result.objects_kept > 0) {
      git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 1);
      ScopeGuard no_fsync([] { git_libgit2_opts(GIT_OPT_ENABLE_FSYNC_GITDIR, 0); });
      fs::create_directories(packs);
      git_check(git_packbuilder_write(raw, packs.c_str(), 0400, nullptr, nullptr), "writing the pack");
      keep = std::string("pack-") + git_packbuilder_name(raw);
    }
    sync_filesystem(state_->directory);

    // Now nothing reachable depends on what goes: old packs (index first, so
    // a crash never leaves an index without its pack) and all loose objects.
    if (fs::exists(packs)) {
      for (const char* extension : {".idx", ".rev", ".pack"}) {
        for (const auto& file : fs::directory_iterator(packs)) {
          if (file.path().extension() == extension && file.path().stem() != keep) fs::remove(file.path());
        }
      }
    }
    for (const auto& entry : fs::directory_iterator(objects)) {
      if (entry.is_directory() && is_fan_out_directory(entry.path())) fs::remove_all(entry.path());
    }
    sync_filesystem(state_->directory);

    // Reopen, so no mapping of a deleted pack lingers.
    git_repository* reopened = nullptr;
    git_check(git_repository_open_bare(&reopened, state_->directory.c_str()), "reopening");
    state_->repository.reset(reopened);
    result.bytes_after = disk_usage(objects);
    make_private(state_->directory);  // the packs hold settings.php: owner only
    return result;
  });
}

}  // namespace civiup::snapshot
