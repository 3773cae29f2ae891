#pragma once
// Path relations, decided lexically (callers pass canonical paths when links
// matter).
#include <cstdint>
#include <filesystem>

namespace civiup {

// True when `path` is `dir` or lies below it.
inline bool inside_or_same(const std::filesystem::path& path, const std::filesystem::path& dir) {
  std::filesystem::path relative = path.lexically_normal().lexically_relative(dir.lexically_normal());
  return !relative.empty() && *relative.begin() != "..";
}

// The bytes of the regular files under `dir` (0 for what cannot be read).
uint64_t directory_bytes(const std::filesystem::path& dir);

}  // namespace civiup
