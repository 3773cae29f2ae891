#pragma once
// Reads a tarball with libarchive, as civiup will: every entry's type, mode,
// size and (optionally) content, by path.
#include <filesystem>
#include <map>
#include <string>

#include "civiup/base/durable_file.hpp"  // read_file, for the checks that include this

namespace civiup::test {

struct TarEntry {
  bool directory = false;
  unsigned mode = 0;
  int64_t size = 0;
  std::string content;  // only when read with contents
};

std::map<std::string, TarEntry> read_tarball(const std::filesystem::path& path, bool with_contents);

// Every regular file under `root`, by path relative to it, with its content.
std::map<std::string, std::string> read_tree(const std::filesystem::path& root);

}  // namespace civiup::test
