#pragma once
// CiviCRM release tarballs (civicrm-X.Y.Z-backdrop.tar.gz, and the optional
// l10n tarball): verified whole before anything changes, then staged into a
// directory outside modules/ with the owner and modes of the tree it replaces.
//
// Refused (each a one-line error naming the tarball, the entry and the cause):
// anything but a gzip'd tar; truncation or corruption anywhere; names that are
// absolute, hold '..' or '.', empty components, control characters,
// backslashes or invalid UTF-8, are too long or too deep, or lie outside the
// top directory civicrm/; duplicate entries; entries reached through a symlink
// or below a file; symlinks that are absolute or resolve (through other
// symlinks too) outside civicrm/; hardlinks to anything but an earlier file of
// the archive; devices, FIFOs, sockets; setuid/setgid bits; sparse entries; too
// many entries, too many bytes, or a compression ratio that says "bomb".
// A release must also say 'cms' => 'Backdrop' with a literal 'version' in
// civicrm/civicrm-version.php, agree with civicrm/xml/version.xml, and ship
// civicrm/backdrop/civicrm.info.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>

#include "civiup/base/unique_fd.hpp"
#include "civiup/site/version_number.hpp"

namespace civiup {
class Progress;

struct ReleaseLimits {
  uint64_t max_unpacked_bytes = uint64_t{1} << 30;  // 1 GiB; a real release is ≈165 MB
  uint64_t max_entry_bytes = uint64_t{256} << 20;   // one file
  uint64_t max_entries = 100'000;                   // a release has ≈16,300 files + ≈2,900 dirs
  // gzip cannot exceed ≈1032:1; source code compresses ≈6:1.  Judged once
  // more than `ratio_floor_bytes` are unpacked, so small tarballs of zeros pass.
  double max_compression_ratio = 100.0;
  uint64_t ratio_floor_bytes = uint64_t{32} << 20;
  size_t max_name_bytes = 1024;  // a whole entry name
  size_t max_depth = 32;         // path components
};

enum class TarballKind {
  kRelease,  // civicrm-X.Y.Z-backdrop.tar.gz
  kL10n,     // civicrm-X.Y.Z-l10n.tar.gz: unpacked over a release
};

class ReleaseTarball {
 public:
  // Reads the whole file and checks every entry (streaming, nothing is
  // written).  Throws "<file name>: <cause>".  The file stays open: staging
  // reads the very file that was verified (and checks every entry again).
  static ReleaseTarball verify(const std::filesystem::path& file, TarballKind kind = TarballKind::kRelease,
                               const ReleaseLimits& limits = {});

  ReleaseTarball(ReleaseTarball&& other) noexcept = default;
  ReleaseTarball& operator=(ReleaseTarball&& other) noexcept = default;

  const std::filesystem::path& path() const { return path_; }
  TarballKind kind() const { return kind_; }
  const ReleaseLimits& limits() const { return limits_; }
  // The release's version (kRelease; nullopt for an l10n tarball).
  const std::optional<Version>& version() const { return version_; }
  // civicrm/extension-compatibility.json as the tarball holds it (first MiB),
  // read during verify: nothing is unpacked to know it.  nullopt: not shipped.
  const std::optional<std::string>& extension_compatibility() const { return extension_compatibility_; }
  uint64_t entry_count() const { return entry_count_; }
  uint64_t file_count() const { return file_count_; }
  uint64_t unpacked_bytes() const { return unpacked_bytes_; }
  uint64_t compressed_bytes() const { return compressed_bytes_; }
  int fd() const { return fd_.get(); }

 private:
  ReleaseTarball() = default;
  std::filesystem::path path_;
  TarballKind kind_ = TarballKind::kRelease;
  ReleaseLimits limits_;
  std::optional<Version> version_;
  std::optional<std::string> extension_compatibility_;
  uint64_t entry_count_ = 0;
  uint64_t file_count_ = 0;
  uint64_t unpacked_bytes_ = 0;
  uint64_t compressed_bytes_ = 0;
  UniqueFd fd_;
};

// The owner and modes a staged tree takes from the tree it replaces
// (modules/civicrm): the web server must see the new code as it saw the old.
struct ReferenceTree {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t dir_mode = 0755;
  mode_t file_mode = 0644;  // files without any execute bit in the tarball
  mode_t exec_mode = 0755;  // files with one

  // The old tree's owner (of its top directory) and its most common directory,
  // file and executable-file modes (setuid/setgid/sticky bits never copied).
  static ReferenceTree from_directory(const std::filesystem::path& tree);
};

struct StagedRelease {
  std::filesystem::path tree;  // <staging_dir>/civicrm: what the swap moves into modules/civicrm
  Version version;
  uint64_t file_count = 0;
  uint64_t unpacked_bytes = 0;
};

// Unpacks `release` into `staging_dir` (it must not exist; its parent must;
// created 0700), then `l10n` over it when given, sets every entry's owner and
// mode from `reference`, and syncs the filesystem.  Extraction uses libarchive's
// ARCHIVE_EXTRACT_SECURE_* flags and repeats every check of verify().  On any
// failure `staging_dir` is removed.  Changes the working directory while it
// runs (libarchive extracts relative to it); not for use from several threads.
// `progress` (optional) hears one step per tarball, "unpacking <file name>",
// counted in entries, advanced every 200 entries and at the end; a throw from
// it fails the staging like any other error.
StagedRelease stage_release(const ReleaseTarball& release, const ReleaseTarball* l10n,
                            const std::filesystem::path& staging_dir, const ReferenceTree& reference,
                            Progress* progress = nullptr);

}  // namespace civiup
