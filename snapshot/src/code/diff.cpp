// CodeRepository::diff and diff_live: what was added, removed or modified
// (content, type, mode or owner) between two snapshots or against the live tree.
#include "live_tree.hpp"
#include "snapshot_contents.hpp"

namespace civiup::snapshot {

namespace {

bool same(const ContentEntry& a, const ContentEntry& b) {
  return a.type == b.type && a.mode == b.mode && a.uid == b.uid && a.gid == b.gid &&
         (a.type == EntryType::directory || git_oid_equal(&a.id, &b.id));
}

std::vector<PathChange> compare(const std::vector<ContentEntry>& from, const std::vector<ContentEntry>& to) {
  std::vector<PathChange> changes;
  auto a = from.begin();
  auto b = to.begin();
  while (a != from.end() || b != to.end()) {
    if (b == to.end() || (a != from.end() && a->path < b->path)) {
      changes.push_back({PathChangeKind::removed, (a++)->path});
    } else if (a == from.end() || b->path < a->path) {
      changes.push_back({PathChangeKind::added, (b++)->path});
    } else {
      if (!same(*a, *b)) changes.push_back({PathChangeKind::modified, a->path});
      ++a;
      ++b;
    }
  }
  return changes;
}

}  // namespace

std::vector<PathChange> CodeRepository::diff(std::string_view from, std::string_view to) const {
  git_repository* repository = state_->repository.get();
  return with_context(fmt::format("comparing snapshots {} and {}", from, to), [&] {
    auto before = snapshot_contents(repository, open_snapshot(repository, state_->resolve(from)));
    auto after = snapshot_contents(repository, open_snapshot(repository, state_->resolve(to)));
    return compare(before, after);
  });
}

std::vector<PathChange> CodeRepository::diff_live(std::string_view id, const fs::path& root) const {
  git_repository* repository = state_->repository.get();
  return with_context(fmt::format("comparing snapshot {} with {}", id, root.string()), [&] {
    SnapshotCommit snapshot = open_snapshot(repository, state_->resolve(id));
    CodeSnapshotInfo info = snapshot.info(repository);
    auto before = snapshot_contents(repository, snapshot);
    auto after = live_contents(root, walk_live_tree(root, info.paths, info.exclude));
    return compare(before, after);
  });
}

}  // namespace civiup::snapshot
