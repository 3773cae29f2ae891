#include "civiup/system/paths.hpp"

namespace civiup {
namespace fs = std::filesystem;

uint64_t directory_bytes(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(dir, error); !error && it != fs::recursive_directory_iterator();
       it.increment(error)) {
    std::error_code size_error;
    if (it->is_regular_file(size_error)) total += it->file_size(size_error);
  }
  return total;
}

}  // namespace civiup
