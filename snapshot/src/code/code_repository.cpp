#include "civiup/snapshot/code/code_repository.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <mutex>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/private_files.hpp"
#include "repository_state.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

namespace {

// Every filter and conversion off: what is stored is what was on disk.
// info/attributes outranks any .gitattributes inside the snapshotted tree.
constexpr std::string_view kAttributes =
    "# civiup: store and check out every file byte for byte\n"
    "* -text -eol -filter -ident -working-tree-encoding -export-subst -export-ignore\n";

void configure(git_repository* repository) {
  git_config* raw = nullptr;
  git_check(git_repository_config(&raw, repository), "opening the repository config");
  ConfigHandle config(raw);
  git_check(git_config_set_bool(config.get(), "core.autocrlf", 0), "setting core.autocrlf");
  git_check(git_config_set_bool(config.get(), "core.filemode", 1), "setting core.filemode");
  git_check(git_config_set_bool(config.get(), "core.symlinks", 1), "setting core.symlinks");
  git_check(git_config_set_bool(config.get(), "core.protectNTFS", 0), "setting core.protectNTFS");
  git_check(git_config_set_bool(config.get(), "core.protectHFS", 0), "setting core.protectHFS");
  git_check(git_config_set_int32(config.get(), "gc.auto", 0), "setting gc.auto");
}

}  // namespace

void ensure_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    // The state directory is ours whoever owns it; stock git's safe.directory
    // check protects shared checkouts, not this.
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    // Every object we link into a tree was written (or found) a moment ago;
    // checking again reads each one back, 16,000 opens on a first snapshot.
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 0);
    // Reads check zlib's Adler-32 (a damaged object still fails); re-hashing
    // every blob with SHA-1 on top would double the CPU of a restore.
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    // Packs are read through mapped windows (1 GB each by default, never
    // unmapped below an 8 GB total): reading a checkout's 2,900 trees faulted
    // in most of a 165 MB pack and counted it in the RSS.  Small windows
    // under a small limit are unmapped as others are needed.
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, static_cast<size_t>(1) << 20);
    git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, static_cast<size_t>(16) << 20);
  });
}

std::string_view to_string(PathChangeKind kind) {
  switch (kind) {
    case PathChangeKind::added:
      return "added";
    case PathChangeKind::removed:
      return "removed";
    case PathChangeKind::modified:
      return "modified";
  }
  return "?";
}

std::string oid_hex(const git_oid& id) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &id);
  return hex;
}

CodeRepository::CodeRepository(std::unique_ptr<CodeRepositoryState> state) : state_(std::move(state)) {}
CodeRepository::CodeRepository(CodeRepository&&) noexcept = default;
CodeRepository& CodeRepository::operator=(CodeRepository&&) noexcept = default;
CodeRepository::~CodeRepository() = default;

const fs::path& CodeRepository::directory() const { return state_->directory; }

CodeRepository CodeRepository::open(const fs::path& directory) {
  ensure_libgit2();
  return with_context(fmt::format("code snapshot repository {}", directory.string()), [&] {
    auto state = std::make_unique<CodeRepositoryState>();
    state->directory = fs::absolute(directory);
    git_repository* raw = nullptr;
    if (fs::exists(state->directory / "HEAD")) {
      git_check(git_repository_open_bare(&raw, state->directory.c_str()), "opening");
      state->repository.reset(raw);
    } else {
      make_private_directory(state->directory);
      git_check(git_repository_init(&raw, state->directory.c_str(), /*is_bare=*/1), "creating");
      state->repository.reset(raw);
      configure(raw);
      fs::create_directories(state->directory / "info");
      write_file_durably(state->directory / "info" / "attributes", kAttributes, 0600);
      make_private(state->directory);  // libgit2 makes its directories 0755 and config 0644
      sync_filesystem(state->directory);
    }
    return CodeRepository(std::move(state));
  });
}

git_oid CodeRepositoryState::resolve(std::string_view id) const {
  std::string wanted(id);
  if (wanted.size() < 4 || wanted.size() > GIT_OID_HEXSZ ||
      wanted.find_first_not_of("0123456789abcdef") != std::string::npos) {
    fail("snapshot '{}': not a snapshot id (4 to 40 lowercase hex digits)", id);
  }
  git_reference_iterator* raw = nullptr;
  git_check(git_reference_iterator_glob_new(&raw, repository.get(), "refs/civiup/snapshots/*"), "listing snapshots");
  ReferenceIteratorHandle iterator(raw);
  std::vector<std::string> matches;
  const char* name = nullptr;
  while (git_reference_next_name(&name, iterator.get()) == 0) {
    std::string_view hex = std::string_view(name).substr(kSnapshotRefPrefix.size());
    if (hex.substr(0, wanted.size()) == wanted) matches.emplace_back(hex);
  }
  if (matches.empty()) fail("snapshot '{}': no such snapshot in {}", id, directory.string());
  if (matches.size() > 1) fail("snapshot '{}': ambiguous ({} snapshots start so)", id, matches.size());
  git_oid oid;
  git_check(git_oid_fromstr(&oid, matches.front().c_str()), "parsing a snapshot id");
  return oid;
}

SnapshotCommit open_snapshot(git_repository* repository, const git_oid& id) {
  SnapshotCommit snapshot;
  snapshot.id = id;
  git_commit* commit = nullptr;
  git_check(git_commit_lookup(&commit, repository, &id), fmt::format("reading snapshot {}", oid_hex(id)));
  CommitHandle owned_commit(commit);
  git_tree* root = nullptr;
  git_check(git_commit_tree(&root, commit), fmt::format("reading the tree of snapshot {}", oid_hex(id)));
  snapshot.root.reset(root);
  const git_tree_entry* content = git_tree_entry_byname(root, kContentTree);
  if (content == nullptr || git_tree_entry_type(content) != GIT_OBJECT_TREE) {
    fail("snapshot {}: no '{}' tree (not made by civiup?)", oid_hex(id), kContentTree);
  }
  snapshot.content_tree = *git_tree_entry_id(content);
  return snapshot;
}

std::string SnapshotCommit::read_blob(git_repository* repository, const char* name) const {
  const git_tree_entry* entry = git_tree_entry_byname(root.get(), name);
  if (entry == nullptr) fail("snapshot {}: no {}", oid_hex(id), name);
  git_blob* raw = nullptr;
  git_check(git_blob_lookup(&raw, repository, git_tree_entry_id(entry)),
            fmt::format("snapshot {}: reading {}", oid_hex(id), name));
  BlobHandle blob(raw);
  return std::string(static_cast<const char*>(git_blob_rawcontent(raw)), static_cast<size_t>(git_blob_rawsize(raw)));
}

Manifest SnapshotCommit::manifest(git_repository* repository) const {
  return with_context(fmt::format("snapshot {}", oid_hex(id)),
                      [&] { return Manifest::from_json(read_blob(repository, kManifestBlob)); });
}

CodeSnapshotInfo SnapshotCommit::info(git_repository* repository) const {
  CodeSnapshotInfo info = with_context(fmt::format("snapshot {}", oid_hex(id)),
                                       [&] { return metadata_from_json(read_blob(repository, kMetadataBlob)); });
  info.id = oid_hex(id);
  return info;
}

std::vector<CodeSnapshotInfo> CodeRepository::list() const {
  return with_context(fmt::format("listing code snapshots in {}", state_->directory.string()), [&] {
    git_reference_iterator* raw = nullptr;
    git_check(git_reference_iterator_glob_new(&raw, state_->repository.get(), "refs/civiup/snapshots/*"),
              "listing references");
    ReferenceIteratorHandle iterator(raw);
    std::vector<CodeSnapshotInfo> snapshots;
    git_reference* reference = nullptr;
    while (git_reference_next(&reference, iterator.get()) == 0) {
      ReferenceHandle owned(reference);
      const git_oid* target = git_reference_target(reference);
      if (target == nullptr) continue;
      snapshots.push_back(open_snapshot(state_->repository.get(), *target).info(state_->repository.get()));
    }
    std::sort(snapshots.begin(), snapshots.end(), [](const CodeSnapshotInfo& a, const CodeSnapshotInfo& b) {
      return a.created_ns != b.created_ns ? a.created_ns > b.created_ns : a.id > b.id;
    });
    return snapshots;
  });
}

CodeSnapshotInfo CodeRepository::find(std::string_view id) const {
  git_oid oid = state_->resolve(id);
  return open_snapshot(state_->repository.get(), oid).info(state_->repository.get());
}

void CodeRepository::remove(std::string_view id) {
  git_oid oid = state_->resolve(id);
  std::string name = std::string(kSnapshotRefPrefix) + oid_hex(oid);
  with_context(fmt::format("deleting snapshot {}", oid_hex(oid)), [&] {
    git_check(git_reference_remove(state_->repository.get(), name.c_str()), "removing its reference");
    make_private(state_->directory);  // packed-refs is rewritten 0644
    sync_filesystem(state_->directory);
  });
}

}  // namespace civiup::snapshot
