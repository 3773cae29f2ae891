#include "civiup/system/process_memory.hpp"

#include <malloc.h>

#include <fstream>
#include <string>

namespace civiup {

// Two: the main thread's arena and one that the workers share.  They spend
// their time waiting on MariaDB and the disk, not in malloc, so sharing costs
// no measurable time (docs/transaction.md), and the 2-core servers civiup
// targets gain nothing from more.
constexpr int kMallocArenas = 1;

void limit_malloc_arenas() { mallopt(M_ARENA_MAX, kMallocArenas); }

void release_free_memory() { malloc_trim(0); }

uint64_t peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      try {
        return std::stoull(line.substr(6));
      } catch (const std::exception&) {
        return 0;
      }
    }
  }
  return 0;
}

}  // namespace civiup
