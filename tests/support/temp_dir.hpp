#pragma once
// A per-test temp dir: removed when the test passes, kept (and its path
// printed) when it fails, so a failing scenario can be inspected.
#include <filesystem>
#include <string>

namespace civiup::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `path`, creating parent directories.
void write_text(const std::filesystem::path& path, const std::string& content);

}  // namespace civiup::test
