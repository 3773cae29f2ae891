#pragma once
// The plan of a generated release: every directory and file of `civicrm/`, with
// each file's bytes produced on demand (a release-scale tree is ~165 MB, which
// write_release_tree and write_release_tarball stream rather than hold).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "testbed/testbed.hpp"

namespace civiup::testbed {

struct PlannedFile {
  enum class Kind { Fixed, Text, Binary };
  std::string path;  // relative to the release's parent: "civicrm/CRM/Core/Config.php"
  Kind kind = Kind::Text;
  uint64_t size = 0;  // planned bytes (Text: header included)
  uint64_t content_key = 0;
  unsigned mode = 0644;
  std::string fixed;  // Kind::Fixed: the whole content
};

class ReleaseLayout {
 public:
  explicit ReleaseLayout(const ReleaseSpec& spec);

  // Parents before children (sorted), starting with "civicrm".
  const std::vector<std::string>& directories() const { return directories_; }
  // Sorted by path.
  const std::vector<PlannedFile>& files() const { return files_; }
  // Mtime recorded in the tarball for every entry (fixed per version, so
  // the same spec gives a byte-identical tarball).
  int64_t mtime() const { return mtime_; }

  std::string content(const PlannedFile& file) const;

 private:
  std::vector<std::string> directories_;
  std::vector<PlannedFile> files_;
  std::string pool_;  // pseudo-source text that Text files are cut from
  int64_t mtime_ = 0;
};

}  // namespace civiup::testbed
