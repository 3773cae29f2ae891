#pragma once
// The hostile tarball corpus, written by the tests on each run (nothing binary
// is kept in git): every way a release tarball can be broken, malicious or the
// wrong thing, each with the cause civiup's one-line error must state.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace civiup::hostile {

struct HostileTarball {
  std::string name;   // the case, also the file's stem
  std::string cause;  // what the error line must say
  // Writes the tarball at the given path.
  std::function<void(const std::filesystem::path&)> write;
  // Whether the error names the file (a version refusal names the versions instead).
  bool names_file = true;
};

std::vector<HostileTarball> hostile_tarballs();

// A tar stream built header by header (ustar, or old-GNU for sparse entries),
// for what libarchive's writer will not produce: a header that declares 8 GiB
// with no data behind it, a GNU sparse entry.
std::string raw_tar_header(const std::string& name, char type, unsigned long long size,
                           const std::string& magic = std::string("ustar\0"
                                                                  "00",
                                                                  8));
// `tar` gzip-compressed (libarchive's raw format, gzip filter).
void write_gzip(const std::filesystem::path& path, const std::string& bytes);

}  // namespace civiup::hostile
