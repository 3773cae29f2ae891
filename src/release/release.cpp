#include "civiup/release/release.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/site/site.hpp"
#include "release_archive.hpp"

namespace civiup {
namespace fs = std::filesystem;
using namespace release_detail;

namespace {

constexpr std::string_view kVersionPhp = "civicrm/civicrm-version.php";
constexpr std::string_view kVersionXml = "civicrm/xml/version.xml";
constexpr std::string_view kBackdropInfo = "civicrm/backdrop/civicrm.info";
// The extensions CiviCRM's upgrade disables or uninstalls (CRM_Upgrade_Form::disableOldExtensions).
constexpr std::string_view kExtensionCompatibility = "civicrm/extension-compatibility.json";
constexpr size_t kMaxVersionFileBytes = size_t{1} << 20;

}  // namespace

ReleaseTarball ReleaseTarball::verify(const fs::path& file, TarballKind kind, const ReleaseLimits& limits) {
  return with_context(file.string(), [&] {
    ReleaseTarball tarball;
    tarball.path_ = file;
    tarball.kind_ = kind;
    tarball.limits_ = limits;
    tarball.fd_.reset(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!tarball.fd_) fail_errno("cannot open");
    struct stat info {};
    if (::fstat(tarball.fd_.get(), &info) != 0) fail_errno("fstat");
    if (!S_ISREG(info.st_mode)) fail("not a regular file");
    if (info.st_size == 0) fail("empty file (not a gzip'd tar archive)");
    tarball.compressed_bytes_ = static_cast<uint64_t>(info.st_size);

    FdSource source{tarball.fd_.get(), 0, {}};
    ArchiveReader reader = open_reader(source);
    EntryRules rules(limits);
    std::string version_php;
    std::string version_xml;
    std::string compatibility;
    bool have_compatibility = false;
    bool have_php = false;
    bool have_xml = false;
    bool have_info = false;
    bool first = true;
    while (true) {
      archive_entry* entry = nullptr;
      int status = archive_read_next_header(reader.get(), &entry);
      if (status == ARCHIVE_EOF) break;
      if (status != ARCHIVE_OK) {
        if (first) fail("not a gzip'd tar archive: {}", archive_message(reader.get()));
        fail("corrupt or truncated: {}", archive_message(reader.get()));
      }
      if (first) require_gzip(reader.get());
      first = false;
      EntryRules::Checked checked = rules.check(entry);
      std::string* capture = nullptr;
      if (kind == TarballKind::kRelease && checked.type == EntryType::kFile) {
        if (checked.path == kVersionPhp) {
          capture = &version_php;
          have_php = true;
        } else if (checked.path == kVersionXml) {
          capture = &version_xml;
          have_xml = true;
        } else if (checked.path == kBackdropInfo) {
          have_info = true;
        } else if (checked.path == kExtensionCompatibility) {
          capture = &compatibility;
          have_compatibility = true;
        }
      }
      if (checked.size == 0) continue;
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      while ((status = archive_read_data_block(reader.get(), &block, &size, &offset)) == ARCHIVE_OK) {
        rules.count_data(checked.path, size, static_cast<uint64_t>(source.offset));
        if (capture != nullptr && capture->size() < kMaxVersionFileBytes) {
          capture->append(static_cast<const char*>(block), size);
        }
      }
      if (status != ARCHIVE_EOF) {
        fail("entry '{}': corrupt or truncated: {}", printable(checked.path), archive_message(reader.get()));
      }
    }
    if (first) fail("holds no entries");
    rules.finish();
    if (kind == TarballKind::kRelease) {
      if (!have_php) fail("no {}: not a CiviCRM release for Backdrop", kVersionPhp);
      if (!have_xml) fail("no {}: not a complete CiviCRM release", kVersionXml);
      tarball.version_ = code_version_from_files(version_php, version_xml, kVersionPhp, kVersionXml);
      if (!have_info) fail("no {}: not a CiviCRM release for Backdrop", kBackdropInfo);
      if (have_compatibility) tarball.extension_compatibility_ = std::move(compatibility);
    }
    tarball.entry_count_ = rules.entries();
    tarball.file_count_ = rules.files();
    tarball.unpacked_bytes_ = rules.unpacked_bytes();
    return tarball;
  });
}

}  // namespace civiup
