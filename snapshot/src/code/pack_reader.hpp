#pragma once
// Restore's fast path: blobs read straight out of the mapped packs, without
// libgit2's copy into a fresh buffer.  Only for what snapshots write — whole
// (not delta) blobs in stored zlib blocks (stored_zlib.hpp); anything else
// (objects packed by collect_garbage, loose objects) is left to libgit2.
#include <git2.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <vector>

namespace civiup::snapshot {

class PackReader {
 public:
  // Maps every pack (and its .idx) in `pack_directory`; skips any it cannot read.
  explicit PackReader(const std::filesystem::path& pack_directory);
  PackReader(const PackReader&) = delete;
  PackReader& operator=(const PackReader&) = delete;
  ~PackReader();

  // Hands the content of blob `id` to visit(data, size) in slices, the
  // Adler-32 checked at the end.  False if `id` is not a stored blob of these
  // packs (visit has seen nothing); throws if the object is damaged.
  bool read_blob(const git_oid& id, const std::function<void(const char*, std::size_t)>& visit) const;

 private:
  struct Pack;
  std::vector<std::unique_ptr<Pack>> packs_;
};

}  // namespace civiup::snapshot
