#pragma once
// Internal to release handling: a streaming libarchive reader over an open
// file, and the entry rules that verification and extraction both apply.
#include <archive.h>
#include <archive_entry.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "civiup/base/scope_guard.hpp"
#include "civiup/release/release.hpp"
#include "civiup/system/printable_text.hpp"

namespace civiup::release_detail {

using ArchiveReader = Handle<archive, archive_read_free>;
using ArchiveWriter = Handle<archive, archive_write_free>;

// Reads the file through pread() from offset 0 (its own offset, so verify and
// stage can share the descriptor), counting the compressed bytes consumed.
struct FdSource {
  int fd = -1;
  off_t offset = 0;
  std::vector<char> buffer;
};

// A gzip'd tar reader over `source`; the caller checks the filter after the first header.
ArchiveReader open_reader(FdSource& source);

// Throws unless `reader` decompresses gzip (and nothing else).
void require_gzip(archive* reader);

// "libarchive's message" for a failed call.
std::string archive_message(archive* a);

// Names are made safe to print with civiup::printable (printable_text.hpp).
using civiup::printable;

enum class EntryType { kDirectory, kFile, kSymlink, kHardlink };

// The rules of release.hpp, applied entry by entry; finish() checks what needs
// the whole archive (where symlinks lead).
class EntryRules {
 public:
  explicit EntryRules(const ReleaseLimits& limits) : limits_(limits) {}

  struct Checked {
    std::string path;  // normalised: "civicrm/a/b"
    EntryType type;
    std::string hardlink;  // normalised target, for kHardlink
    uint64_t size = 0;     // bytes of data that follow
  };
  // Throws "entry 'NAME': cause".
  Checked check(archive_entry* entry);
  // Counts `bytes` of unpacked data; throws past the limits (`compressed`: bytes consumed so far).
  void count_data(std::string_view path, uint64_t bytes, uint64_t compressed);
  void finish();

  uint64_t entries() const { return entries_; }
  uint64_t files() const { return files_; }
  uint64_t unpacked_bytes() const { return unpacked_bytes_; }

 private:
  // "civicrm/a/b" from a raw name; `role` empty for the entry's own name,
  // else how to name it in errors ("entry 'x': hardlink target").
  std::string normalise_name(const char* raw, std::string_view role);
  void check_parents(const std::string& path);
  void check_symlink(const std::string& path, const std::string& target,
                     const std::unordered_map<std::string_view, std::string_view>& links);

  ReleaseLimits limits_;
  std::unordered_map<std::string, EntryType> seen_;  // explicit and implied entries
  std::unordered_set<std::string> explicit_dirs_;
  std::vector<std::pair<std::string, std::string>> symlinks_;  // path, target
  uint64_t entries_ = 0;
  uint64_t files_ = 0;
  uint64_t unpacked_bytes_ = 0;
  uint64_t declared_bytes_ = 0;
};

}  // namespace civiup::release_detail
