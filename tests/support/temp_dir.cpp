#include "support/temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>

#include <gtest/gtest.h>

namespace civiup::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
  const char* base = std::getenv("CIVIUP_TEST_TMP");
  fs::path parent = base != nullptr ? fs::path(base) : fs::temp_directory_path();
  std::string pattern = (parent / "t.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed in " + parent.string());
  path_ = pattern;
}

TempDir::~TempDir() {
  if (::testing::Test::HasFailure()) {
    std::cerr << "[ kept     ] temp dir of the failed test: " << path_ << '\n';
    return;
  }
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

void write_text(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace civiup::test
