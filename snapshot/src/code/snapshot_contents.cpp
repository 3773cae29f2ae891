#include "snapshot_contents.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <map>
#include <unordered_map>

#include "civiup/base/unique_fd.hpp"
#include "parallel.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

namespace {

// A real name from the manifest must be one plain component: a damaged or
// hostile manifest must not steer a restore out of its target.
void check_name(const std::string& name, const std::string& where) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    fail("manifest: '{}' is not a valid name for '{}'", name, where);
  }
}

void check_relative_path(const std::string& path) {
  std::size_t start = 0;
  for (std::size_t slash = path.find('/');; slash = path.find('/', start)) {
    check_name(path.substr(start, slash == std::string::npos ? std::string::npos : slash - start), path);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
}

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

class TreeReader {
 public:
  TreeReader(git_repository* repository, const Manifest& manifest) : repository_(repository) {
    for (const auto& escape : manifest.escaped) {
      check_name(escape.name, escape.stored);
      real_names_[escape.stored] = escape.name;
    }
  }

  void read(const git_oid& tree_id, const std::string& stored_dir, const std::string& real_dir) {
    git_tree* raw = nullptr;
    git_check(git_tree_lookup(&raw, repository_, &tree_id), fmt::format("reading tree '{}'", real_dir));
    TreeHandle tree(raw);
    for (std::size_t i = 0, count = git_tree_entrycount(raw); i < count; ++i) {
      const git_tree_entry* item = git_tree_entry_byindex(raw, i);
      std::string name = git_tree_entry_name(item);
      std::string stored = stored_dir.empty() ? name : stored_dir + "/" + name;
      if (auto it = real_names_.find(stored); it != real_names_.end()) name = it->second;
      check_name(name, stored);
      std::string real = real_dir.empty() ? name : real_dir + "/" + name;
      ContentEntry entry;
      entry.path = real;
      entry.id = *git_tree_entry_id(item);
      switch (git_tree_entry_filemode(item)) {
        case GIT_FILEMODE_TREE:
          entry.type = EntryType::directory;
          entry.mode = 0755;
          add(entry);
          read(entry.id, stored, real);
          continue;
        case GIT_FILEMODE_LINK:
          entry.type = EntryType::symlink;
          entry.mode = 0777;
          break;
        case GIT_FILEMODE_BLOB_EXECUTABLE:
          entry.mode = 0755;
          break;
        case GIT_FILEMODE_BLOB:
          entry.mode = 0644;
          break;
        default:
          fail("'{}': unsupported entry (a submodule?)", real);
      }
      add(entry);
    }
  }

  std::map<std::string, ContentEntry>& entries() { return entries_; }

 private:
  void add(const ContentEntry& entry) {
    if (!entries_.emplace(entry.path, entry).second) fail("'{}' is in the snapshot twice", entry.path);
  }

  git_repository* repository_;
  std::unordered_map<std::string, std::string> real_names_;
  std::map<std::string, ContentEntry> entries_;
};

git_oid hash_live(const fs::path& path, const LiveEntry& entry, std::string& buffer) {
  git_oid id;
  if (entry.type == EntryType::symlink) {
    buffer.resize(static_cast<std::size_t>(entry.status.st_size) + 1);
    ssize_t length = ::readlink(path.c_str(), buffer.data(), buffer.size());
    if (length < 0) fail_errno(fmt::format("reading symlink {}", path.string()));
    git_check(git_odb_hash(&id, buffer.data(), static_cast<std::size_t>(length), GIT_OBJECT_BLOB), "hashing");
    return id;
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd) fail_errno(fmt::format("opening {}", path.string()));
  buffer.clear();
  char chunk[1 << 16];
  for (;;) {
    ssize_t got = ::read(fd.get(), chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail_errno(fmt::format("reading {}", path.string()));
    if (got == 0) break;
    buffer.append(chunk, static_cast<std::size_t>(got));
  }
  git_check(git_odb_hash(&id, buffer.data(), buffer.size(), GIT_OBJECT_BLOB), fmt::format("hashing {}", path.string()));
  return id;
}

}  // namespace

std::vector<ContentEntry> snapshot_contents(git_repository* repository, const SnapshotCommit& snapshot) {
  Manifest manifest = snapshot.manifest(repository);
  TreeReader reader(repository, manifest);
  reader.read(snapshot.content_tree, "", "");
  auto& entries = reader.entries();
  for (const auto& recorded : manifest.entries) {
    auto [it, inserted] = entries.try_emplace(recorded.path);
    ContentEntry& entry = it->second;
    if (inserted) {
      // Only directories live in the manifest alone: the empty ones.
      if (recorded.type != EntryType::directory) fail("manifest lists '{}', which the tree lacks", recorded.path);
      check_relative_path(recorded.path);
      entry.path = recorded.path;
      entry.type = EntryType::directory;
    }
    entry.mode = recorded.mode;
    entry.uid = recorded.uid;
    entry.gid = recorded.gid;
  }
  // Every entry's parent is a directory of the snapshot (so restore creates
  // it, and never finds a symlink or a file in its place), and no name twice.
  std::vector<ContentEntry> out;
  out.reserve(entries.size());
  for (auto& [path, entry] : entries) {
    std::string parent = parent_of(path);
    if (!parent.empty()) {
      auto it = entries.find(parent);
      if (it == entries.end() || it->second.type != EntryType::directory) {
        fail("snapshot {}: '{}' is not under a directory of the snapshot", oid_hex(snapshot.id), path);
      }
    }
    out.push_back(entry);
  }
  return out;
}

std::vector<ContentEntry> live_contents(const fs::path& root, const LiveTree& tree) {
  std::vector<ContentEntry> out(tree.entries.size());
  parallel_for(tree.entries.size(), worker_count(), [&](std::size_t i) {
    thread_local std::string buffer;
    const LiveEntry& live = tree.entries[i];
    ContentEntry& entry = out[i];
    entry.path = live.path;
    entry.type = live.type;
    entry.mode = live.status.st_mode & 07777;
    entry.uid = live.status.st_uid;
    entry.gid = live.status.st_gid;
    if (live.type != EntryType::directory) entry.id = hash_live(root / live.path, live, buffer);
  });
  std::sort(out.begin(), out.end(), [](const ContentEntry& a, const ContentEntry& b) { return a.path < b.path; });
  return out;
}

}  // namespace civiup::snapshot
