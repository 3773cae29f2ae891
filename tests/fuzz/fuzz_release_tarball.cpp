// The release tarball validator (ReleaseTarball::verify), and behind it the
// extraction (stage_release) of whatever it accepts.  Byte 0 picks the mode:
// bit 0 clear: the rest is a tar stream and is gzip'd here first (so the
// fuzzer mutates tar headers, not deflate blocks); set: the rest is the file
// as is.  Bit 1: verify as an l10n tarball.  Small limits keep bombs cheap.
// Whatever verify accepts must stage, and nothing may land outside staging/.
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "civiup/base/scope_guard.hpp"
#include "civiup/release/release.hpp"
#include "fuzz_support.hpp"

namespace {
namespace fs = std::filesystem;

std::string gzip(std::string_view bytes) {
  civiup::Handle<archive, archive_write_free> writer(archive_write_new());
  std::string out(bytes.size() + bytes.size() / 100 + 1024, '\0');
  size_t used = 0;
  civiup::Handle<archive_entry, archive_entry_free> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), "data");
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(bytes.size()));
  archive* a = writer.get();
  if (archive_write_add_filter_gzip(a) != ARCHIVE_OK || archive_write_set_format_raw(a) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
      archive_write_open_memory(a, out.data(), out.size(), &used) != ARCHIVE_OK ||
      archive_write_header(a, entry.get()) != ARCHIVE_OK ||
      (!bytes.empty() && archive_write_data(a, bytes.data(), bytes.size()) != static_cast<la_ssize_t>(bytes.size())) ||
      archive_write_close(a) != ARCHIVE_OK) {
    std::fprintf(stderr, "fuzz: gzip failed: %s\n", archive_error_string(a));
    std::abort();
  }
  out.resize(used);
  return out;
}

// Every entry under `staging` stays inside it, symlinks included.
void check_contained(const fs::path& staging) {
  fs::path top = fs::canonical(staging);
  for (const auto& entry : fs::recursive_directory_iterator(staging)) {
    if (!entry.is_symlink()) continue;
    std::error_code error;
    fs::path target = fs::weakly_canonical(entry.path(), error);
    if (error) continue;
    std::string relative = target.lexically_relative(top).string();
    if (relative.empty() || relative.starts_with("..")) {
      std::fprintf(stderr, "staged symlink %s leads outside: %s\n", entry.path().c_str(), target.c_str());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const fs::path& scratch = civiup::fuzz::scratch_dir();
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  fs::path file = scratch / "civicrm-5.75.0-backdrop.tar.gz";
  civiup::fuzz::write_bytes(file, (data[0] & 1) == 0 ? gzip(rest) : std::string(rest));
  civiup::ReleaseLimits limits;
  limits.max_unpacked_bytes = 4 << 20;
  limits.max_entry_bytes = 1 << 20;
  limits.max_entries = 2000;
  limits.ratio_floor_bytes = 256 << 10;
  civiup::TarballKind kind = (data[0] & 2) != 0 ? civiup::TarballKind::kL10n : civiup::TarballKind::kRelease;
  fs::path staging = scratch / "staging";
  civiup::fuzz::expect_only_one_line_errors([&] {
    civiup::ReleaseTarball tarball = civiup::ReleaseTarball::verify(file, kind, limits);
    if (kind != civiup::TarballKind::kRelease) return;
    civiup::ReferenceTree reference;
    reference.uid = ::getuid();
    reference.gid = ::getgid();
    civiup::StagedRelease staged = civiup::stage_release(tarball, nullptr, staging, reference);
    check_contained(staging);
  });
  std::error_code ignored;
  fs::remove_all(staging, ignored);
  // Nothing but the tarball (and a staging dir, now removed) may be in the scratch dir.
  for (const auto& entry : fs::directory_iterator(scratch)) {
    if (entry.path() != file) {
      std::fprintf(stderr, "something was written outside the staging dir: %s\n", entry.path().c_str());
      std::abort();
    }
  }
  return 0;
}
