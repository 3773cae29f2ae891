#pragma once
// A snapshot's new objects as one pack (+ its .idx), instead of a loose file
// each: a first snapshot creates 2 files instead of 16,000, and a restore reads
// one mapped file.  Objects are stored, not deflated (stored_zlib.hpp).
//
// The pack is written in the quarantine directory by several threads at once
// (each object gets its own range of the file), then finished — header, SHA-1
// trailer, .idx — and moved into objects/pack.  Stock git reads it like any
// pack (`git verify-pack` and `git fsck --strict` agree).
#include <git2.h>
#include <git2/sys/odb_backend.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "civiup/base/unique_fd.hpp"

namespace civiup::snapshot {

struct OidHash {
  std::size_t operator()(const git_oid& id) const noexcept {
    std::size_t out;
    static_assert(sizeof out <= sizeof id.id);
    std::memcpy(&out, id.id, sizeof out);
    return out;
  }
};
struct OidEqual {
  bool operator()(const git_oid& a, const git_oid& b) const noexcept { return git_oid_equal(&a, &b) != 0; }
};

class IncomingPack {
 public:
  // Creates `directory`/incoming.pack (the directory must exist).
  explicit IncomingPack(const std::filesystem::path& directory);
  IncomingPack(const IncomingPack&) = delete;
  IncomingPack& operator=(const IncomingPack&) = delete;
  ~IncomingPack();

  // Appends object `id` (which must hash from `content`) unless the pack has
  // it already.  Thread-safe.
  void add(const git_oid& id, git_object_t type, std::string_view content);
  // A blob too large to hold: `read_next(buffer, n)` supplies its next n
  // bytes, `size` in all.  Fails if they do not hash to `id` (the file changed
  // since it was hashed).  Thread-safe.
  void add_streamed(const git_oid& id, std::uint64_t size, const std::function<void(char*, std::size_t)>& read_next);

  bool contains(const git_oid& id) const;
  // An object added before, read back: libgit2 reads trees it has just written.
  std::optional<std::pair<git_object_t, std::string>> read(const git_oid& id) const;
  std::size_t object_count() const;

  // Writes the header, trailer and .idx and moves both into `pack_directory`
  // (the .pack first: git ignores a pack until its .idx is there).  With
  // `durable`, both are fsynced before the move and the directory after it.
  // Returns "pack-<trailer hex>", or "" and writes nothing if the pack is empty.
  std::string publish(const std::filesystem::path& pack_directory, bool durable);

  // An object database backend writing into this pack, for what libgit2 writes
  // (trees, the manifest, the commit).  The pack must outlive the odb it joins.
  git_odb_backend* new_backend();

 private:
  struct Entry {
    std::uint64_t offset = 0;
    std::uint64_t length = 0;  // header + zlib stream
    std::uint64_t size = 0;    // content
    git_object_t type = GIT_OBJECT_INVALID;
    std::uint32_t crc = 0;
    bool written = false;
  };
  // The range for a new object, or nullopt if `id` is taken.
  std::optional<std::uint64_t> reserve(const git_oid& id, git_object_t type, std::uint64_t size);
  void written(const git_oid& id, std::uint32_t crc);
  void write_at(std::uint64_t offset, const std::string& bytes) const;
  std::string write_index(const std::string& trailer) const;

  std::filesystem::path path_;
  UniqueFd fd_;
  mutable std::mutex mutex_;
  std::unordered_map<git_oid, Entry, OidHash, OidEqual> entries_;
  std::uint64_t end_;
};

}  // namespace civiup::snapshot
