#include "release/tarball_writer.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "site/site_files.hpp"

namespace civiup::test {
namespace {

struct WriterFree {
  void operator()(archive* a) const noexcept { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};

void check(archive* a, int status, const std::string& what) {
  if (status < ARCHIVE_WARN) {
    const char* message = archive_error_string(a);
    throw std::runtime_error(fmt::format("writing test tarball: {}: {}", what, message ? message : "?"));
  }
}

TarItem item_of(TarItem::Type type, std::string name, mode_t mode, std::string link = {}) {
  TarItem item;
  item.name = std::move(name);
  item.type = type;
  item.link = std::move(link);
  item.mode = mode;
  return item;
}

}  // namespace

TarItem file(std::string name, std::string content, mode_t mode) {
  TarItem item = item_of(TarItem::Type::kFile, std::move(name), mode);
  item.content = std::move(content);
  return item;
}

TarItem directory(std::string name, mode_t mode) { return item_of(TarItem::Type::kDirectory, std::move(name), mode); }

TarItem symlink(std::string name, std::string target) {
  return item_of(TarItem::Type::kSymlink, std::move(name), 0777, std::move(target));
}

TarItem hardlink(std::string name, std::string target) {
  return item_of(TarItem::Type::kHardlink, std::move(name), TarItem().mode, std::move(target));
}

void write_tarball(const std::filesystem::path& path, const std::vector<TarItem>& items, Compression compression) {
  std::unique_ptr<archive, WriterFree> writer(archive_write_new());
  archive* a = writer.get();
  switch (compression) {
    case Compression::kGzip:
      check(a, archive_write_add_filter_gzip(a), "gzip");
      break;
    case Compression::kBzip2:
      check(a, archive_write_add_filter_bzip2(a), "bzip2");
      break;
    case Compression::kNone:
      break;
  }
  check(a, archive_write_set_format_pax_restricted(a), "format");
  check(a, archive_write_open_filename(a, path.c_str()), path.string());
  for (const TarItem& item : items) {
    std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
    archive_entry* e = entry.get();
    archive_entry_set_pathname(e, item.name.c_str());
    archive_entry_set_mtime(e, 1700000000, 0);
    archive_entry_set_uid(e, 1000);
    archive_entry_set_gid(e, 1000);
    switch (item.type) {
      case TarItem::Type::kFile:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_size(
            e, item.declared_size >= 0 ? item.declared_size : static_cast<int64_t>(item.content.size()));
        break;
      case TarItem::Type::kDirectory:
        archive_entry_set_filetype(e, AE_IFDIR);
        break;
      case TarItem::Type::kSymlink:
        archive_entry_set_filetype(e, AE_IFLNK);
        archive_entry_set_symlink(e, item.link.c_str());
        break;
      case TarItem::Type::kHardlink:
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_hardlink(e, item.link.c_str());
        archive_entry_set_size(e, 0);
        break;
      case TarItem::Type::kCharDevice:
        archive_entry_set_filetype(e, AE_IFCHR);
        archive_entry_set_rdev(e, makedev(1, 3));
        break;
      case TarItem::Type::kBlockDevice:
        archive_entry_set_filetype(e, AE_IFBLK);
        archive_entry_set_rdev(e, makedev(8, 0));
        break;
      case TarItem::Type::kFifo:
        archive_entry_set_filetype(e, AE_IFIFO);
        break;
    }
    archive_entry_set_perm(e, item.mode);
    check(a, archive_write_header(a, e), item.name);
    if (item.type == TarItem::Type::kFile && !item.content.empty()) {
      la_ssize_t written = archive_write_data(a, item.content.data(), item.content.size());
      if (written < 0) check(a, static_cast<int>(written), item.name);
    }
  }
  check(a, archive_write_close(a), "close");
}

std::vector<TarItem> backdrop_release(const std::string& version, const std::string& cms) {
  return {
      directory("civicrm/"),
      file("civicrm/civicrm-version.php", version_php(version, cms)),
      directory("civicrm/xml/"),
      file("civicrm/xml/version.xml", version_xml(version)),
      directory("civicrm/backdrop/"),
      file("civicrm/backdrop/civicrm.info", "name = CiviCRM\ntype = module\nbackdrop = 1.x\n"),
      file("civicrm/backdrop/civicrm.module", "<?php\n// CiviCRM for Backdrop\n"),
      file("civicrm/backdrop/modules/civicrmtheme/civicrmtheme.info",
           "name = CiviCRM Theme\ntype = module\ndependencies[] = civicrm\n"),
      file("civicrm/CRM/Core/Config.php", "<?php\nclass CRM_Core_Config {}\n"),
      file("civicrm/bin/setup.sh", "#!/bin/sh\necho setup\n", 0755),
      file("civicrm/packages/README", std::string(5000, 'x')),
      symlink("civicrm/packages/README.link", "README"),
      hardlink("civicrm/packages/README.hard", "civicrm/packages/README"),
  };
}

std::vector<TarItem> l10n_tarball() {
  return {
      directory("civicrm/"),
      directory("civicrm/l10n/"),
      file("civicrm/l10n/fr_FR/LC_MESSAGES/civicrm.mo", std::string("\xde\x12\x04\x95 french", 11)),
      file("civicrm/sql/civicrm_data.fr_FR.mysql", "INSERT INTO civicrm_x VALUES (1);\n"),
  };
}

}  // namespace civiup::test
