#include "tarball_reader.hpp"

#include <memory>
#include <stdexcept>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

namespace civiup::test {

std::map<std::string, TarEntry> read_tarball(const std::filesystem::path& path, bool with_contents) {
  std::unique_ptr<archive, int (*)(archive*)> reader(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_all(reader.get());
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    throw std::runtime_error(fmt::format("{}: {}", path.string(), archive_error_string(reader.get())));
  }
  std::map<std::string, TarEntry> entries;
  archive_entry* entry = nullptr;
  int status = ARCHIVE_OK;
  while ((status = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    TarEntry item;
    item.directory = archive_entry_filetype(entry) == AE_IFDIR;
    item.mode = archive_entry_perm(entry);
    item.size = archive_entry_size(entry);
    if (with_contents && !item.directory) {
      item.content.resize(static_cast<size_t>(item.size));
      if (item.size > 0 && archive_read_data(reader.get(), item.content.data(), item.content.size()) != item.size) {
        throw std::runtime_error(fmt::format("{}: short read", path.string()));
      }
    }
    entries[archive_entry_pathname(entry)] = std::move(item);
  }
  if (status != ARCHIVE_EOF) {
    throw std::runtime_error(fmt::format("{}: {}", path.string(), archive_error_string(reader.get())));
  }
  return entries;
}

std::map<std::string, std::string> read_tree(const std::filesystem::path& root) {
  std::map<std::string, std::string> files;
  for (const auto& item : std::filesystem::recursive_directory_iterator(root)) {
    if (item.is_regular_file()) files[std::filesystem::relative(item.path(), root).string()] = read_file(item.path());
  }
  return files;
}

}  // namespace civiup::test
