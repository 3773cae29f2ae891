// Release trees and tarballs: civicrm-X.Y.Z-backdrop.tar.gz as distmaker
// builds it (top directory civicrm/), streamed from a ReleaseLayout.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include "civiup/base/unique_fd.hpp"

#include "testbed/release_layout.hpp"
#include "testbed/testbed.hpp"

namespace civiup::testbed {
namespace {

[[noreturn]] void fail_errno(const std::string& what) {
  throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(errno)));
}

void write_file(const fs::path& path, const std::string& content, unsigned mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (!fd) fail_errno(fmt::format("writing {}", path.string()));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(fmt::format("writing {}", path.string()));
    }
    done += static_cast<size_t>(n);
  }
  // Exact modes whatever the umask: executables stay 0755, the rest 0644.
  if (::fchmod(fd.get(), mode) != 0) fail_errno(fmt::format("writing {}", path.string()));
  if (int error = fd.close(); error != 0) {
    errno = error;
    fail_errno(fmt::format("writing {}", path.string()));
  }
}

struct ArchiveCloser {
  void operator()(archive* a) const noexcept { archive_write_free(a); }
};
struct EntryFreer {
  void operator()(archive_entry* e) const noexcept { archive_entry_free(e); }
};

void check(archive* a, int status, const std::string& what) {
  if (status < ARCHIVE_WARN) {
    throw std::runtime_error(
        fmt::format("{}: {}", what, archive_error_string(a) ? archive_error_string(a) : "libarchive error"));
  }
}

std::string tarball_name(const ReleaseSpec& spec) {
  std::string cms = spec.cms == "Drupal" ? "drupal" : spec.cms == "WordPress" ? "wordpress" : "backdrop";
  return fmt::format("civicrm-{}-{}.tar.gz", spec.version, cms);
}

}  // namespace

void write_release_tree(const fs::path& parent, const ReleaseSpec& spec) {
  ReleaseLayout layout(spec);
  fs::create_directories(parent);
  if (fs::exists(parent / "civicrm")) {
    throw std::runtime_error(
        fmt::format("writing release {}: {} already exists", spec.version, (parent / "civicrm").string()));
  }
  for (const std::string& directory : layout.directories()) {
    if (::mkdir((parent / directory).c_str(), 0755) != 0)
      fail_errno(fmt::format("mkdir {}", (parent / directory).string()));
    ::chmod((parent / directory).c_str(), 0755);
  }
  for (const PlannedFile& file : layout.files()) write_file(parent / file.path, layout.content(file), file.mode);
}

fs::path write_release_tarball(const fs::path& directory, const ReleaseSpec& spec) {
  ReleaseLayout layout(spec);
  fs::create_directories(directory);
  const fs::path path = directory / tarball_name(spec);
  const fs::path temporary = fs::path(path.string() + ".part");

  std::unique_ptr<archive, ArchiveCloser> writer(archive_write_new());
  archive* a = writer.get();
  const std::string what = fmt::format("writing {}", path.string());
  check(a, archive_write_add_filter_gzip(a), what);
  // Level 1: a release-scale tarball in seconds; the ratio stays source-like.
  check(a, archive_write_set_filter_option(a, "gzip", "compression-level", "1"), what);
  archive_write_set_filter_option(a, "gzip", "timestamp", nullptr);  // byte-identical output per spec
  check(a, archive_write_set_format_pax_restricted(a), what);
  check(a, archive_write_open_filename(a, temporary.c_str()), what);

  std::unique_ptr<archive_entry, EntryFreer> entry(archive_entry_new());
  auto header = [&](const std::string& name, mode_t type, unsigned mode, int64_t size) {
    archive_entry_clear(entry.get());
    archive_entry_set_pathname(entry.get(), name.c_str());
    archive_entry_set_filetype(entry.get(), type);
    archive_entry_set_perm(entry.get(), mode);
    archive_entry_set_size(entry.get(), size);
    archive_entry_set_mtime(entry.get(), layout.mtime(), 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    check(a, archive_write_header(a, entry.get()), fmt::format("{}: entry {}", what, name));
  };
  // Directories and files interleaved in path order, each directory first.
  const auto& directories = layout.directories();
  const auto& files = layout.files();
  size_t d = 0;
  for (const PlannedFile& file : files) {
    while (d < directories.size() && directories[d] + "/" < file.path) {
      header(directories[d] + "/", AE_IFDIR, 0755, 0);
      ++d;
    }
    std::string content = layout.content(file);
    header(file.path, AE_IFREG, file.mode, static_cast<int64_t>(content.size()));
    if (archive_write_data(a, content.data(), content.size()) != static_cast<la_ssize_t>(content.size())) {
      check(a, ARCHIVE_FATAL, fmt::format("{}: data of {}", what, file.path));
    }
  }
  for (; d < directories.size(); ++d) header(directories[d] + "/", AE_IFDIR, 0755, 0);
  check(a, archive_write_close(a), what);
  writer.reset();
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) throw std::runtime_error(fmt::format("{}: rename: {}", what, error.message()));
  return path;
}

}  // namespace civiup::testbed
