#pragma once
// Writes tarballs entry by entry with libarchive — including the hostile ones
// civiup must refuse (../ names, devices, setuid, links that leave the tree).
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace civiup::test {

struct TarItem {
  enum class Type { kFile, kDirectory, kSymlink, kHardlink, kCharDevice, kBlockDevice, kFifo };
  std::string name;
  Type type = Type::kFile;
  std::string content;         // kFile
  std::string link;            // kSymlink target, kHardlink target name
  mode_t mode = 0644;          // permission bits (setuid etc. included as given)
  int64_t declared_size = -1;  // kFile: a size other than content.size() in the header (-1: the real one)
};

TarItem file(std::string name, std::string content, mode_t mode = 0644);
TarItem directory(std::string name, mode_t mode = 0755);
TarItem symlink(std::string name, std::string target);
TarItem hardlink(std::string name, std::string target);

enum class Compression { kGzip, kNone, kBzip2 };

// Writes `items` as a pax tar, compressed as asked.
void write_tarball(const std::filesystem::path& path, const std::vector<TarItem>& items,
                   Compression compression = Compression::kGzip);

// The entries of a small CiviCRM release for Backdrop at `version`:
// civicrm-version.php, xml/version.xml, backdrop/civicrm.info, some code, an
// executable script, a bundled integration module.
std::vector<TarItem> backdrop_release(const std::string& version, const std::string& cms = "Backdrop");

// An l10n tarball: civicrm/l10n/<locale>/LC_MESSAGES/civicrm.mo and a sql file.
std::vector<TarItem> l10n_tarball();

}  // namespace civiup::test
