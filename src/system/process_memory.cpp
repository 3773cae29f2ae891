#include "civiup/system/process_memory.hpp"

#include <malloc.h>

#include <exception>
#include <fstream>
#include <string>

namespace civiup {

// One arena that every thread shares: the workers spend their time waiting
// on MariaDB and the disk, small blocks come from glibc's per-thread cache,
// and the 2-core servers civiup targets gain little from more.  Measured in
// docs/transaction.md ("The rollback's peak RSS"): 72.5 -> 50.2 MB.
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
