#include "live_tree.hpp"

#include <dirent.h>
#include <fnmatch.h>

#include <algorithm>
#include <set>
#include <unordered_set>

#include "civiup/snapshot/error.hpp"
#include "civiup/snapshot/scope_guard.hpp"

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

std::vector<std::string> read_names(const fs::path& directory) {
  DIR* dir = ::opendir(directory.c_str());
  if (dir == nullptr) fail_errno(fmt::format("reading directory {}", directory.string()));
  ScopeGuard close_dir([dir] { ::closedir(dir); });
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
    errno = 0;
  }
  if (errno != 0) fail_errno(fmt::format("reading directory {}", directory.string()));
  return names;
}

std::size_t depth(const std::string& path) { return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/')); }

class Walker {
 public:
  Walker(const fs::path& root, const std::vector<std::string>& exclude) : root_(root), exclude_(exclude) {}

  void add_spec_path(const std::string& path) {
    if (path == ".") {
      walk_children("", "");
      return;
    }
    // Ancestors are recorded too, so a restore recreates them with their modes.
    std::string ancestor;
    for (std::size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      ancestor = path.substr(0, slash);
      record(ancestor, ancestor, /*walk=*/false);
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
    if (!seen_.insert(path).second) return;
    LiveEntry entry{path, stored, EntryType::file, status};
    if (S_ISDIR(entry.status.st_mode)) {
      entry.type = EntryType::directory;
    } else if (S_ISLNK(entry.status.st_mode)) {
      entry.type = EntryType::symlink;
    } else if (!S_ISREG(entry.status.st_mode)) {
      tree_.skipped.push_back(path);
      return;
    }
    tree_.entries.push_back(std::move(entry));
    if (walk && S_ISDIR(tree_.entries.back().status.st_mode)) walk_children(path, stored);
  }

  void walk_children(const std::string& path, const std::string& stored) {
    std::vector<std::string> names = read_names(path.empty() ? root_ : root_ / path);
    std::unordered_set<std::string> siblings(names.begin(), names.end());
    for (const auto& name : names) {
      std::string child = join(path, name);
      if (is_excluded(child, exclude_)) continue;
      std::string stored_name = name;
      struct stat status {};
      fs::path full = root_ / child;
      if (::lstat(full.c_str(), &status) != 0) fail_errno(fmt::format("reading {}", full.string()));
      if (git_refuses_name(name, S_ISLNK(status.st_mode))) {
        stored_name = name + std::string(kEscapeSuffix);
        while (siblings.count(stored_name) != 0) stored_name += '~';
        tree_.escaped.push_back({join(stored, stored_name), name});
      }
      record(child, join(stored, stored_name), /*walk=*/true, status);
    }
  }

  fs::path root_;
  const std::vector<std::string>& exclude_;
  LiveTree tree_;
  std::set<std::string> seen_;
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

}  // namespace civiup::snapshot
