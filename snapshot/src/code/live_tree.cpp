#include "live_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>

#include <algorithm>
#include <unordered_map>

#include "civiup/base/error.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kEscapeSuffix = "~civiup-escaped";

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string join(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + "/" + name;
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool is_excluded(const std::string& path, const std::vector<std::string>& exclude) {
  for (const auto& pattern : exclude) {
    if (pattern.find('/') != std::string::npos) {
      if (::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0) return true;
    } else if (::fnmatch(pattern.c_str(), base_name(path).c_str(), 0) == 0) {
      return true;
    }
  }
  return false;
}

// One directory, open: its names, and lstat of each relative to it (no path
// walk from the root per entry: a repeat snapshot is mostly these calls).
class OpenDirectory {
 public:
  explicit OpenDirectory(const fs::path& path) : path_(path), dir_(::opendir(path.c_str())) {
    if (dir_ == nullptr) fail_errno(fmt::format("reading directory {}", path.string()));
  }
  OpenDirectory(const OpenDirectory&) = delete;
  OpenDirectory& operator=(const OpenDirectory&) = delete;
  ~OpenDirectory() { ::closedir(dir_); }

  std::vector<std::string> names() {
    std::vector<std::string> out;
    errno = 0;
    while (dirent* entry = ::readdir(dir_)) {
      std::string_view name = entry->d_name;
      if (name != "." && name != "..") out.emplace_back(name);
      errno = 0;
    }
    if (errno != 0) fail_errno(fmt::format("reading directory {}", path_.string()));
    return out;
  }

  struct stat status(const std::string& name) const {
    struct stat out {};
    if (::fstatat(::dirfd(dir_), name.c_str(), &out, AT_SYMLINK_NOFOLLOW) != 0) {
      fail_errno(fmt::format("reading {}", (path_ / name).string()));
    }
    return out;
  }

 private:
  fs::path path_;
  DIR* dir_;
};

std::size_t depth(const std::string& path) {
  return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
}

class Walker {
 public:
  Walker(const fs::path& root, const std::vector<std::string>& exclude) : root_(root), exclude_(exclude) {}

  void add_spec_path(const std::string& path) {
    if (path == ".") {
      if (!root_walked_) walk_children("", "");
      root_walked_ = true;
      return;
    }
    // Ancestors are recorded too, so a restore recreates them with their modes.
    // Each must be a real directory: "link/x" with link a symlink would be
    // recorded as a symlink and a file under it, and restored through the link.
    for (std::size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      std::string ancestor = path.substr(0, slash);
      struct stat status {};
      fs::path full = root_ / ancestor;
      if (::lstat(full.c_str(), &status) != 0) fail_errno(fmt::format("reading {}", full.string()));
      if (!S_ISDIR(status.st_mode)) fail("snapshot path '{}': '{}' is not a directory", path, ancestor);
      record(ancestor, ancestor, /*walk=*/false, status);
    }
    record(path, path, /*walk=*/true);
  }

  LiveTree finish() && {
    std::sort(tree_.entries.begin(), tree_.entries.end(),
              [](const LiveEntry& a, const LiveEntry& b) { return a.stored_path < b.stored_path; });
    std::stable_sort(tree_.escaped.begin(), tree_.escaped.end(),
                     [](const EscapedName& a, const EscapedName& b) { return depth(a.stored) > depth(b.stored); });
    return std::move(tree_);
  }

 private:
  void record(const std::string& path, const std::string& stored, bool walk) {
    struct stat status {};
    fs::path full = root_ / path;
    if (::lstat(full.c_str(), &status) != 0) fail_errno(fmt::format("reading {}", full.string()));
    record(path, stored, walk, status);
  }

  void record(const std::string& path, const std::string& stored, bool walk, const struct stat& status) {
    // A path met twice (an ancestor of one spec path that is itself another
    // spec path, in either order) is recorded once and walked at most once.
    auto [seen, first_time] = walked_.try_emplace(path, false);
    if (first_time) {
      LiveEntry entry{path, stored, EntryType::file, status};
      if (S_ISDIR(status.st_mode)) {
        entry.type = EntryType::directory;
      } else if (S_ISLNK(status.st_mode)) {
        entry.type = EntryType::symlink;
      } else if (!S_ISREG(status.st_mode)) {
        tree_.skipped.push_back(path);
        return;
      }
      tree_.entries.push_back(std::move(entry));
    }
    if (walk && !seen->second && S_ISDIR(status.st_mode)) {
      seen->second = true;
      walk_children(path, stored);
    }
  }

  void walk_children(const std::string& path, const std::string& stored) {
    OpenDirectory directory(path.empty() ? root_ : root_ / path);
    std::vector<std::string> names = directory.names();
    for (const auto& name : names) {
      std::string child = join(path, name);
      if (is_excluded(child, exclude_)) continue;
      std::string stored_name = name;
      struct stat status = directory.status(name);
      if (git_refuses_name(name, S_ISLNK(status.st_mode))) {
        stored_name = name + std::string(kEscapeSuffix);
        while (std::find(names.begin(), names.end(), stored_name) != names.end()) stored_name += '~';
        tree_.escaped.push_back({join(stored, stored_name), name});
      }
      record(child, join(stored, stored_name), /*walk=*/true, status);
    }
  }

  fs::path root_;
  const std::vector<std::string>& exclude_;
  LiveTree tree_;
  std::unordered_map<std::string, bool> walked_;  // every recorded path: walked yet?
  bool root_walked_ = false;
};

}  // namespace

bool git_refuses_name(const std::string& name, bool is_symlink) {
  std::string folded = lower(name);
  return folded == ".git" || (is_symlink && folded == ".gitmodules");
}

std::string normalize_spec_path(const std::string& path) {
  if (path.empty() || path.front() == '/') fail("snapshot path '{}' must be relative to the root", path);
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    start = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") fail("snapshot path '{}' leaves the root", path);
    if (git_refuses_name(part, false)) fail("snapshot path '{}' passes through a .git directory", path);
    out = join(out, part);
  }
  return out.empty() ? "." : out;
}

LiveTree walk_live_tree(const fs::path& root, const std::vector<std::string>& paths,
                        const std::vector<std::string>& exclude) {
  Walker walker(root, exclude);
  for (const auto& path : paths) walker.add_spec_path(normalize_spec_path(path));
  return std::move(walker).finish();
}

Manifest manifest_of(const LiveTree& tree) {
  Manifest manifest;
  manifest.entries.reserve(tree.entries.size());
  for (const auto& entry : tree.entries) {
    manifest.entries.push_back({entry.path, entry.type, static_cast<std::uint32_t>(entry.status.st_mode & 07777),
                                entry.status.st_uid, entry.status.st_gid});
  }
  std::sort(manifest.entries.begin(), manifest.entries.end(),
            [](const ManifestEntry& a, const ManifestEntry& b) { return a.path < b.path; });
  manifest.escaped = tree.escaped;
  return manifest;
}

std::size_t LiveTree::file_count() const {
  return static_cast<std::size_t>(std::count_if(
      entries.begin(), entries.end(), [](const LiveEntry& entry) { return entry.type != EntryType::directory; }));
}

}  // namespace civiup::snapshot
