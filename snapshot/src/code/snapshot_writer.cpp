// CodeRepository::snapshot: walk, hash what the stat cache cannot vouch for,
// write the new objects (blobs, trees, manifest, commit) as one pack, make it
// durable, then name the commit.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <unordered_set>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/private_files.hpp"
#include "civiup/base/unique_fd.hpp"
#include "incoming_pack.hpp"
#include "live_tree.hpp"
#include "parallel.hpp"
#include "repository_state.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kStreamThreshold = 32u << 20;  // larger files are streamed, not read whole
// Each thread hashes this many files in path order at a time, then reports progress.
constexpr std::size_t kFilesPerTurn = 64;

std::uint32_t git_mode_of(const LiveEntry& entry) {
  if (entry.type == EntryType::symlink) return GIT_FILEMODE_LINK;
  return (entry.status.st_mode & S_IXUSR) != 0 ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB;
}

bool timespec_less(const timespec& a, const timespec& b) {
  return a.tv_sec != b.tv_sec ? a.tv_sec < b.tv_sec : a.tv_nsec < b.tv_nsec;
}

git_index_entry index_entry_of(const LiveEntry& entry, const git_oid& id) {
  const struct stat& st = entry.status;
  git_index_entry out{};
  out.ctime.seconds = static_cast<int32_t>(st.st_ctim.tv_sec);
  out.ctime.nanoseconds = static_cast<uint32_t>(st.st_ctim.tv_nsec);
  out.mtime.seconds = static_cast<int32_t>(st.st_mtim.tv_sec);
  out.mtime.nanoseconds = static_cast<uint32_t>(st.st_mtim.tv_nsec);
  out.dev = static_cast<uint32_t>(st.st_dev);
  out.ino = static_cast<uint32_t>(st.st_ino);
  out.mode = git_mode_of(entry);
  out.uid = st.st_uid;
  out.gid = st.st_gid;
  out.file_size = static_cast<uint32_t>(st.st_size);
  out.id = id;
  out.path = entry.stored_path.c_str();
  return out;
}

// The stat cache's test, git's "racily clean" rule included: an entry whose
// mtime is not older than the index file may have changed after it was hashed.
bool stat_cache_vouches(const git_index_entry* cached, const LiveEntry& entry, const timespec& index_time) {
  if (cached == nullptr) return false;
  git_index_entry now = index_entry_of(entry, cached->id);
  return cached->mode == now.mode && cached->file_size == now.file_size && cached->ino == now.ino &&
         cached->dev == now.dev && cached->mtime.seconds == now.mtime.seconds &&
         cached->mtime.nanoseconds == now.mtime.nanoseconds && cached->ctime.seconds == now.ctime.seconds &&
         cached->ctime.nanoseconds == now.ctime.nanoseconds && timespec_less(entry.status.st_mtim, index_time);
}

void read_fully(int fd, char* data, std::size_t size, const fs::path& path) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t got = ::read(fd, data + done, size - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail_errno(fmt::format("reading {}", path.string()));
    if (got == 0) fail("reading {}: it shrank while being snapshotted", path.string());
    done += static_cast<std::size_t>(got);
  }
}

// Where new blobs go.  Writing through git_odb_write would, for every new
// object, touch it in each backend and rescan objects/pack (it refreshes on a
// miss): a dozen system calls per file.  So blobs are hashed here, looked up
// once without a refresh, and only missing ones are added to the pack.
struct BlobSink {
  git_odb* odb;  // the quarantine database: sees objects/ and the incoming pack
  IncomingPack* pack;

  bool known(const git_oid& id) const { return git_odb_exists_ext(odb, &id, GIT_ODB_LOOKUP_NO_REFRESH) != 0; }

  void store(git_oid* id, const char* data, std::size_t size, const fs::path& path) const {
    git_check(git_odb_hash(id, data, size, GIT_OBJECT_BLOB), fmt::format("hashing {}", path.string()));
    if (known(*id)) return;
    with_context(fmt::format("storing {}", path.string()),
                 [&] { pack->add(*id, GIT_OBJECT_BLOB, std::string_view(data, size)); });
  }
};

// Writes one file or symlink as a blob; returns its size.
std::uint64_t write_blob(const BlobSink& sink, const fs::path& path, const LiveEntry& entry, git_oid* id,
                         std::string& buffer) {
  if (entry.type == EntryType::symlink) {
    buffer.resize(static_cast<std::size_t>(entry.status.st_size) + 1);
    ssize_t length = ::readlink(path.c_str(), buffer.data(), buffer.size());
    if (length < 0) fail_errno(fmt::format("reading symlink {}", path.string()));
    if (static_cast<std::size_t>(length) >= buffer.size())
      fail("reading symlink {}: it changed while being snapshotted", path.string());
    sink.store(id, buffer.data(), static_cast<std::size_t>(length), path);
    return static_cast<std::uint64_t>(length);
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) fail_errno(fmt::format("opening {}", path.string()));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) fail("reading {}: no longer a regular file", path.string());
  auto size = static_cast<std::size_t>(st.st_size);
  if (size <= kStreamThreshold) {
    buffer.resize(size);
    read_fully(fd.get(), buffer.data(), size, path);
    sink.store(id, buffer.data(), size, path);
    return size;
  }
  // Too large to hold: hashed in one pass, and if new, copied in a second
  // that must hash the same (else the file changed in between).
  git_check(git_odb_hashfile(id, path.c_str(), GIT_OBJECT_BLOB), fmt::format("hashing {}", path.string()));
  if (sink.known(*id)) return size;
  with_context(fmt::format("storing {}", path.string()), [&] {
    sink.pack->add_streamed(*id, size, [&](char* data, std::size_t part) { read_fully(fd.get(), data, part, path); });
  });
  return size;
}

// An object database whose writes all go to the incoming pack while reads see
// objects/ too (as alternates, which libgit2 never writes to).  The pack
// reaches objects/pack only once it is complete and on disk (publish), so
// objects/ never holds an object a power cut could have left empty.
OdbHandle quarantine_odb(const fs::path& objects, IncomingPack& pack) {
  git_odb* raw = nullptr;
  git_check(git_odb_new(&raw), "creating an object database");
  OdbHandle odb(raw);
  git_odb_backend* backend = pack.new_backend();
  if (git_odb_add_backend(odb.get(), backend, 3) != 0) {
    backend->free(backend);
    git_check(-1, "adding the incoming pack");
  }
  git_check(git_odb_backend_loose(&backend, objects.c_str(), -1, 0, 0, 0), "opening loose objects");
  git_check(git_odb_add_alternate(odb.get(), backend, 1), "adding loose objects");
  git_check(git_odb_backend_pack(&backend, objects.c_str()), "opening packs");
  git_check(git_odb_add_alternate(odb.get(), backend, 2), "adding packs");
  return odb;
}

IndexHandle open_stat_cache(const fs::path& path) {
  git_index* raw = nullptr;
  if (git_index_open(&raw, path.c_str()) == 0) return IndexHandle(raw);
  // A damaged cache (a power cut while it was written) costs one full rehash, nothing more.
  fs::remove(path);
  git_check(git_index_open(&raw, path.c_str()), fmt::format("opening {}", path.string()));
  return IndexHandle(raw);
}

class SnapshotWriter {
 public:
  SnapshotWriter(CodeRepositoryState& state, const CodeSnapshotSpec& spec) : state_(state), spec_(spec) {}

  CodeSnapshotResult run() {
    git_repository* repository = state_.repository.get();
    auto now = std::chrono::system_clock::now().time_since_epoch();
    result_.info.created_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now).count();
    result_.info.created = result_.info.created_ns / 1'000'000'000;
    LiveTree tree = walk_live_tree(spec_.root, spec_.paths, spec_.exclude);
    result_.entries = tree.entries.size();
    result_.skipped = tree.skipped;

    Progress& progress = spec_.progress != nullptr ? *spec_.progress : no_progress();
    progress.begin("snapshotting code", tree.file_count(), "files");
    ScopeGuard end_progress([&] { progress.end(); });

    // A failed or interrupted snapshot leaves nothing behind but this directory,
    // which the next one clears.
    fs::remove_all(state_.incoming_path());
    fs::create_directories(state_.incoming_path());
    ScopeGuard clear_incoming([&] {
      std::error_code ignored;
      fs::remove_all(state_.incoming_path(), ignored);
    });
    IncomingPack pack(state_.incoming_path());
    OdbHandle odb = quarantine_odb(state_.objects_path(), pack);
    git_odb* original_raw = nullptr;
    git_check(git_repository_odb(&original_raw, repository), "opening the object database");
    OdbHandle original(original_raw);
    git_check(git_repository_set_odb(repository, odb.get()), "switching to the incoming objects");
    ScopeGuard restore_odb([&] { git_repository_set_odb(repository, original.get()); });

    struct stat index_status {};
    timespec index_time{};
    if (::stat(state_.index_path().c_str(), &index_status) == 0) index_time = index_status.st_mtim;
    IndexHandle index = open_stat_cache(state_.index_path());
    git_check(git_repository_set_index(repository, index.get()), "attaching the stat cache");

    update_index(index.get(), BlobSink{odb.get(), &pack}, tree, index_time, progress);
    git_oid content_tree;
    git_check(git_index_write_tree_to(&content_tree, index.get(), repository), "writing the tree");
    git_oid commit = write_commit(repository, content_tree, manifest_of(tree));

    // Objects on disk first (the pack and its index fsynced), then visible in
    // objects/pack, then the cache and the name.
    pack.publish(state_.objects_path() / "pack", spec_.durable);
    git_check(git_index_write(index.get()), "writing the stat cache");
    std::string name = std::string(kSnapshotRefPrefix) + oid_hex(commit);
    git_reference* reference = nullptr;
    git_check(git_reference_create(&reference, repository, name.c_str(), &commit, 0, "civiup snapshot"),
              "naming the snapshot");
    git_reference_free(reference);
    if (spec_.durable) sync_filesystem(state_.directory);
    result_.info.id = oid_hex(commit);
    return std::move(result_);
  }

 private:
  void update_index(git_index* index, const BlobSink& sink, const LiveTree& tree, const timespec& index_time,
                    Progress& progress) {
    std::vector<const LiveEntry*> to_hash;
    std::unordered_set<std::string_view> stored;
    for (const auto& entry : tree.entries) {
      if (entry.type == EntryType::directory) continue;
      stored.insert(entry.stored_path);
      if (!stat_cache_vouches(git_index_get_bypath(index, entry.stored_path.c_str(), 0), entry, index_time)) {
        to_hash.push_back(&entry);
      }
    }
    std::vector<std::string> gone;
    for (std::size_t i = 0, count = git_index_entrycount(index); i < count; ++i) {
      const git_index_entry* cached = git_index_get_byindex(index, i);
      if (stored.count(cached->path) == 0) gone.emplace_back(cached->path);
    }
    for (const auto& path : gone)
      git_check(git_index_remove(index, path.c_str(), 0), fmt::format("forgetting {}", path));

    progress.advance(stored.size() - to_hash.size(), 0);  // vouched for by the cache

    std::vector<git_oid> ids(to_hash.size());
    std::vector<std::uint64_t> sizes(to_hash.size());
    parallel_for_ranges(to_hash.size(), worker_count(), kFilesPerTurn, [&](std::size_t begin, std::size_t end) {
      thread_local std::string buffer;
      std::uint64_t bytes = 0;
      for (std::size_t i = begin; i < end; ++i) {
        sizes[i] = write_blob(sink, spec_.root / to_hash[i]->path, *to_hash[i], &ids[i], buffer);
        bytes += sizes[i];
      }
      progress.advance(end - begin, bytes);
    });
    for (std::size_t i = 0; i < to_hash.size(); ++i) {
      git_index_entry entry = index_entry_of(*to_hash[i], ids[i]);
      git_check(git_index_add(index, &entry), fmt::format("recording {}", to_hash[i]->path));
      result_.bytes_hashed += sizes[i];
    }
    result_.files_hashed = to_hash.size();
  }

  git_oid write_blob_text(git_repository* repository, const std::string& text, const char* what) {
    git_oid id;
    git_check(git_blob_create_from_buffer(&id, repository, text.data(), text.size()), fmt::format("writing {}", what));
    return id;
  }

  git_oid write_commit(git_repository* repository, const git_oid& content_tree, const Manifest& manifest) {
    CodeSnapshotInfo& info = result_.info;
    info.message = spec_.message.empty() ? "civiup code snapshot" : spec_.message;
    info.tool_version = spec_.tool_version;
    info.labels = spec_.labels;
    info.root = spec_.root.string();
    for (const auto& path : spec_.paths) info.paths.push_back(normalize_spec_path(path));
    info.exclude = spec_.exclude;

    git_treebuilder* raw_builder = nullptr;
    git_check(git_treebuilder_new(&raw_builder, repository, nullptr), "building the snapshot tree");
    TreeBuilderHandle builder(raw_builder);
    git_oid manifest_id = write_blob_text(repository, manifest.to_json(), kManifestBlob);
    git_oid metadata_id = write_blob_text(repository, metadata_to_json(info), kMetadataBlob);
    git_check(git_treebuilder_insert(nullptr, builder.get(), kContentTree, &content_tree, GIT_FILEMODE_TREE),
              "building the snapshot tree");
    git_check(git_treebuilder_insert(nullptr, builder.get(), kManifestBlob, &manifest_id, GIT_FILEMODE_BLOB),
              "building the snapshot tree");
    git_check(git_treebuilder_insert(nullptr, builder.get(), kMetadataBlob, &metadata_id, GIT_FILEMODE_BLOB),
              "building the snapshot tree");
    git_oid root_id;
    git_check(git_treebuilder_write(&root_id, builder.get()), "writing the snapshot tree");
    git_tree* raw_root = nullptr;
    git_check(git_tree_lookup(&raw_root, repository, &root_id), "reading the snapshot tree");
    TreeHandle root(raw_root);

    git_signature* raw_signature = nullptr;
    git_check(git_signature_new(&raw_signature, "civiup", "civiup@localhost", info.created, 0), "signing");
    SignatureHandle signature(raw_signature);
    std::string message = info.message;
    if (message.back() != '\n') message += '\n';
    git_oid commit;
    git_check(git_commit_create(&commit, repository, nullptr, signature.get(), signature.get(), "UTF-8",
                                message.c_str(), root.get(), 0, nullptr),
              "writing the commit");
    return commit;
  }

  CodeRepositoryState& state_;
  const CodeSnapshotSpec& spec_;
  CodeSnapshotResult result_;
};

}  // namespace

CodeSnapshotResult CodeRepository::snapshot(const CodeSnapshotSpec& spec) {
  return with_context(fmt::format("code snapshot of {}", spec.root.string()), [&] {
    CodeSnapshotResult result = SnapshotWriter(*state_, spec).run();
    // The packs hold settings.php with the database password: owner only,
    // whatever the umask and libgit2's modes (objects 0444, directories 0755).
    make_private(state_->directory);
    return result;
  });
}

}  // namespace civiup::snapshot
