#pragma once
// The two JSON blobs stored next to the content tree in every snapshot commit:
// manifest.json (what git cannot keep) and snapshot.json (the metadata).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "civiup/snapshot/code/code_repository.hpp"

namespace civiup::snapshot {

enum class EntryType { directory, file, symlink };

struct ManifestEntry {
  std::string path;  // real path relative to the root, '/'-separated
  EntryType type = EntryType::file;
  std::uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky (07777)
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

// A name git refuses (".git" and friends), stored under another name.
struct EscapedName {
  std::string stored;  // the stored path of the entry, every ancestor as stored
  std::string name;    // the real last component
};

struct Manifest {
  std::vector<ManifestEntry> entries;  // every directory, file and symlink, sorted by path
  std::vector<EscapedName> escaped;    // deepest first: rename in this order

  std::string to_json() const;
  static Manifest from_json(std::string_view text);
};

std::string metadata_to_json(const CodeSnapshotInfo& info);
CodeSnapshotInfo metadata_from_json(std::string_view text);  // id left empty

// Where the pieces sit in a snapshot commit's tree.
inline constexpr const char* kContentTree = "tree";
inline constexpr const char* kManifestBlob = "manifest.json";
inline constexpr const char* kMetadataBlob = "snapshot.json";

}  // namespace civiup::snapshot
