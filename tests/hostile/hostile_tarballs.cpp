#include "hostile/hostile_tarballs.hpp"

#include <archive.h>
#include <archive_entry.h>

#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "hostile/hostile_site.hpp"
#include "release/tarball_writer.hpp"
#include "site/site_files.hpp"
#include "support/temp_dir.hpp"
#include "testbed/testbed.hpp"

namespace civiup::hostile {
namespace {

using test::TarItem;

struct WriterFree {
  void operator()(archive* a) const noexcept { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};

void put_octal(std::string& header, size_t offset, size_t width, unsigned long long value) {
  std::string digits = fmt::format("{:0{}o}", value, width - 1);
  if (digits.size() != width - 1) throw std::runtime_error("raw tar: value too large for its field");
  header.replace(offset, width - 1, digits);
  header[offset + width - 1] = '\0';
}

void put_checksum(std::string& header) {
  header.replace(148, 8, 8, ' ');
  unsigned sum = 0;
  for (char c : header) sum += static_cast<unsigned char>(c);
  header.replace(148, 7, fmt::format("{:06o}", sum) + '\0');
}

std::string padded(std::string data) {
  data.resize((data.size() + 511) / 512 * 512, '\0');
  return data;
}

std::string end_of_archive() { return std::string(1024, '\0'); }

// A valid release plus hostile entries: the only reason to refuse it is them.
std::vector<TarItem> release_plus(std::vector<TarItem> extra) {
  auto items = test::backdrop_release(kTo);
  items.insert(items.end(), extra.begin(), extra.end());
  return items;
}

std::function<void(const fs::path&)> items(std::vector<TarItem> list) {
  return [list = std::move(list)](const fs::path& path) { test::write_tarball(path, list); };
}

std::function<void(const fs::path&)> plus(std::vector<TarItem> extra) { return items(release_plus(std::move(extra))); }

TarItem special(const std::string& name, TarItem::Type type) {
  TarItem item;
  item.name = name;
  item.type = type;
  return item;
}

// The bytes of a good release, changed by `edit`.
std::function<void(const fs::path&)> edited(std::function<void(std::string&)> edit) {
  return [edit = std::move(edit)](const fs::path& path) {
    test::write_tarball(path, test::backdrop_release(kTo));
    std::string bytes = read_file(path);
    edit(bytes);
    test::write_text(path, bytes);
  };
}

// A release made by the test bed for another CMS (its own file name).
std::function<void(const fs::path&)> testbed_release(const std::string& cms) {
  return [cms](const fs::path& path) {
    testbed::ReleaseSpec spec;
    spec.version = kTo;
    spec.cms = cms;
    spec.file_count = 40;
    spec.total_bytes = 64 * 1024;
    fs::path dir = path.parent_path() / ("made-" + cms);
    fs::create_directories(dir);
    fs::rename(testbed::write_release_tarball(dir, spec), path);
    fs::remove(dir);
  };
}

// A release whose only difference is the content of civicrm-version.php.
std::function<void(const fs::path&)> version_php(std::string content) {
  auto list = test::backdrop_release(kTo);
  for (TarItem& item : list) {
    if (item.name == "civicrm/civicrm-version.php") item.content = content;
  }
  return items(std::move(list));
}

std::function<void(const fs::path&)> without(const std::string& name) {
  auto list = test::backdrop_release(kTo);
  std::erase_if(list, [&](const TarItem& item) { return item.name == name; });
  return items(std::move(list));
}

// A release whose versions say `version` in both files (a downgrade, the same version...).
std::function<void(const fs::path&)> release_at(const std::string& version) {
  return items(test::backdrop_release(version));
}

std::string deep_name(size_t levels) {
  std::string name = "civicrm";
  for (size_t i = 0; i < levels; ++i) name += "/d";
  return name + "/x.php";
}

// A good release's entries, then one raw entry: `header` followed by `data`.
std::function<void(const fs::path&)> raw_after_release(std::function<std::string()> entry) {
  return [entry = std::move(entry)](const fs::path& path) {
    fs::path plain = path.string() + ".tar";
    test::write_tarball(plain, test::backdrop_release(kTo), test::Compression::kNone);
    std::string bytes = read_file(plain);
    fs::remove(plain);
    // Cut the end-of-archive blocks (and libarchive's padding to 10 kB records).
    size_t end = bytes.size();
    while (end >= 512 && bytes.compare(end - 512, 512, std::string(512, '\0')) == 0) end -= 512;
    bytes.resize(end);
    write_gzip(path, bytes + entry() + end_of_archive());
  };
}

// An old-GNU sparse entry ('S'): 512 bytes of data standing for a 1 MiB file.
std::string gnu_sparse_entry() {
  std::string header = raw_tar_header("civicrm/sparse.bin", 'S', 512, std::string("ustar  \0", 8));
  put_octal(header, 386, 12, 0);         // sparse[0].offset
  put_octal(header, 398, 12, 512);       // sparse[0].numbytes
  put_octal(header, 483, 12, 1u << 20);  // realsize
  put_checksum(header);
  return header + padded(std::string(512, 'S'));
}

}  // namespace

std::string raw_tar_header(const std::string& name, char type, unsigned long long size, const std::string& magic) {
  if (name.size() > 100) throw std::runtime_error("raw tar: name longer than 100 bytes");
  std::string header(512, '\0');
  header.replace(0, name.size(), name);
  put_octal(header, 100, 8, 0644);
  put_octal(header, 108, 8, 1000);
  put_octal(header, 116, 8, 1000);
  put_octal(header, 124, 12, size);
  put_octal(header, 136, 12, 1700000000);
  header[156] = type;
  header.replace(257, magic.size(), magic);
  put_checksum(header);
  return header;
}

void write_gzip(const fs::path& path, const std::string& bytes) {
  std::unique_ptr<archive, WriterFree> writer(archive_write_new());
  archive* a = writer.get();
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), "data");
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(bytes.size()));
  if (archive_write_add_filter_gzip(a) != ARCHIVE_OK || archive_write_set_format_raw(a) != ARCHIVE_OK ||
      archive_write_open_filename(a, path.c_str()) != ARCHIVE_OK ||
      archive_write_header(a, entry.get()) != ARCHIVE_OK ||
      archive_write_data(a, bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size()) ||
      archive_write_close(a) != ARCHIVE_OK) {
    const char* message = archive_error_string(a);
    throw std::runtime_error(fmt::format("gzip of {}: {}", path.string(), message ? message : "?"));
  }
}

std::vector<HostileTarball> hostile_tarballs() {
  std::vector<HostileTarball> corpus = {
      // --- not a gzip'd tar, or a broken one
      {"empty-file", "empty file", [](const fs::path& p) { test::write_text(p, ""); }},
      {"empty-archive", "holds no entries", items({})},
      {"not-a-tar", "not a gzip'd tar archive",
       [](const fs::path& p) { test::write_text(p, "<html>404 Not Found</html>\n"); }},
      {"gzip-of-text", "not a gzip'd tar archive",
       [](const fs::path& p) { write_gzip(p, "just some text, not a tar\n"); }},
      {"plain-tar", "not gzip-compressed",
       [](const fs::path& p) { test::write_tarball(p, test::backdrop_release(kTo), test::Compression::kNone); }},
      {"bzip2-tar", "compressed with bzip2, not gzip",
       [](const fs::path& p) { test::write_tarball(p, test::backdrop_release(kTo), test::Compression::kBzip2); }},
      {"truncated-half", "corrupt or truncated: truncated gzip input",
       edited([](std::string& b) { b.resize(b.size() / 2); })},
      {"truncated-tail", "corrupt or truncated", edited([](std::string& b) { b.resize(b.size() - 12); })},
      {"bad-gzip-data", "corrupt or truncated", edited([](std::string& b) {
         for (size_t i = b.size() / 3; i < b.size() / 3 + 40; ++i) b[i] = static_cast<char>(~b[i]);
       })},
      {"bad-gzip-method", "not a gzip'd tar archive", edited([](std::string& b) { b[2] = 99; })},
      // --- the wrong release
      {"drupal-release", "not 'Backdrop'", testbed_release("Drupal")},
      {"wordpress-release", "not 'Backdrop'", testbed_release("WordPress")},
      {"no-version-file", "no civicrm/civicrm-version.php", without("civicrm/civicrm-version.php")},
      {"no-version-xml", "no civicrm/xml/version.xml", without("civicrm/xml/version.xml")},
      {"no-backdrop-module", "no civicrm/backdrop/civicrm.info", without("civicrm/backdrop/civicrm.info")},
      {"version-not-literal", "'version' is not a plain literal",
       version_php(
           "<?php\nfunction civicrmVersion() {\n  return array('version' => CIVICRM_NEXT, 'cms' => 'Backdrop');\n}\n")},
      {"version-from-getenv", "'version' is not a plain literal",
       version_php("<?php\nreturn array('version' => getenv('V'), 'cms' => 'Backdrop');\n")},
      {"version-files-disagree", "says 5.75.0 but",
       [](const fs::path& p) {
         auto list = test::backdrop_release(kTo);
         for (TarItem& item : list) {
           if (item.name == "civicrm/xml/version.xml") item.content = test::version_xml("5.76.0");
         }
         test::write_tarball(p, list);
       }},
      {"upgrade-marker-version", "is not a release version", release_at("5.75.0.upgrade")},
      {"downgrade", "refusing a downgrade", release_at("5.73.0"), false},
      {"same-version", "5.74.0 is already installed", release_at(kFrom), false},
      // --- names that leave the tree or are not names
      {"dotdot-entry", "entry 'civicrm/../evil.php': path leaves the tree ('..')",
       plus({test::file("civicrm/../evil.php", "<?php")})},
      {"absolute-path", "entry '/etc/cron.d/evil': absolute path",
       plus({test::file("/etc/cron.d/evil", "* * * * * root x")})},
      {"outside-top-dir", "entry 'index.php': outside the top directory civicrm/",
       plus({test::file("index.php", "<?php")})},
      {"non-utf8-name", "entry 'civicrm/caf\\xe9.php': name is not valid UTF-8",
       plus({test::file("civicrm/caf\xe9.php", "x")})},
      {"control-char-name", "name holds a control character", plus({test::file("civicrm/a\nb.php", "x")})},
      {"backslash-name", "name holds a control character or backslash", plus({test::file("civicrm\\..\\x.php", "x")})},
      {"very-long-name", "name longer than 1024 bytes", plus({test::file("civicrm/" + std::string(1100, 'n'), "x")})},
      {"long-component", "a path component longer than 255 bytes",
       plus({test::file("civicrm/" + std::string(300, 'c'), "x")})},
      {"deep-nesting", "nested deeper than 32 directories", plus({test::file(deep_name(40), "x")})},
      {"duplicate-entry", "entry 'civicrm/CRM/Core/Config.php': duplicate entry",
       plus({test::file("civicrm/CRM/Core/Config.php", "<?php // the second copy wins in a naive extractor\n")})},
      // --- links
      {"symlink-leaves-tree", "entry 'civicrm/etc': symlink to '../../etc' leaves the tree",
       plus({test::symlink("civicrm/etc", "../../etc")})},
      {"symlink-absolute", "symlink to the absolute path '/etc'", plus({test::symlink("civicrm/etc", "/etc")})},
      {"symlink-chain-leaves", "entry 'civicrm/b': symlink to 'a/../../..' leaves the tree",
       plus({test::symlink("civicrm/a", "CRM"), test::symlink("civicrm/b", "a/../../..")})},
      {"symlink-loop", "loops", plus({test::symlink("civicrm/l1", "l2"), test::symlink("civicrm/l2", "l1")})},
      {"file-through-symlink", "entry 'civicrm/up/x.php': reached through the symlink 'civicrm/up'",
       plus({test::symlink("civicrm/up", "CRM"), test::file("civicrm/up/x.php", "<?php")})},
      {"top-dir-symlink", "entry 'civicrm'", items({test::symlink("civicrm", "/etc")})},
      {"hardlink-absolute", "hardlink target '/etc/passwd': absolute path",
       plus({test::hardlink("civicrm/passwd", "/etc/passwd")})},
      {"hardlink-dotdot", "path leaves the tree", plus({test::hardlink("civicrm/passwd", "../../etc/passwd")})},
      {"hardlink-not-in-archive", "not an earlier file of the archive",
       plus({test::hardlink("civicrm/x", "civicrm/not-there")})},
      // --- what must never be unpacked
      {"char-device", "entry 'civicrm/null': a device file",
       plus({special("civicrm/null", TarItem::Type::kCharDevice)})},
      {"block-device", "entry 'civicrm/sda': a device file",
       plus({special("civicrm/sda", TarItem::Type::kBlockDevice)})},
      {"fifo", "entry 'civicrm/pipe': a FIFO", plus({special("civicrm/pipe", TarItem::Type::kFifo)})},
      {"setuid-file", "entry 'civicrm/bin/suid': setuid or setgid bit",
       plus({test::file("civicrm/bin/suid", "#!/bin/sh\n", 04755)})},
      {"setgid-dir", "entry 'civicrm/sgid': setuid or setgid bit", plus({test::directory("civicrm/sgid/", 02775)})},
      {"entry-below-file", "below 'civicrm/CRM/Core/Config.php', which is a file",
       plus({test::file("civicrm/CRM/Core/Config.php/x", "x")})},
      // --- bombs
      {"huge-declared-file", "entry 'civicrm/huge.bin': 8589934591 bytes, above the limit",
       raw_after_release([] { return raw_tar_header("civicrm/huge.bin", '0', 077777777777ULL); })},
      {"gnu-sparse-file", "entry 'civicrm/sparse.bin': a sparse file", raw_after_release(gnu_sparse_entry)},
      {"gzip-bomb", "compression ratio above 100:1 (a decompression bomb?)",
       plus({test::file("civicrm/zeros.bin", std::string(48u << 20, '\0'))})},
  };
  return corpus;
}

}  // namespace civiup::hostile
