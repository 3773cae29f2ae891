#pragma once
// The process's memory (issue 16: a rollback's peak RSS under 64 MB).
// glibc gives each thread that allocates its own malloc arena (up to 8 per
// core) and keeps what is freed in them: the dump, digest and restore workers
// come and go phase after phase, and each new set filled fresh arenas while
// the old ones kept their pages.  docs/transaction.md has the profile.
#include <cstdint>

namespace civiup {

// Caps glibc's malloc arenas (called once, first thing, before any thread).
void limit_malloc_arenas();
// Gives the free pages of every arena back to the system (malloc_trim): at
// the end of each phase, whose workers are gone.
void release_free_memory();
// The process's peak resident set so far (VmHWM), in KiB; 0 when unknown.
uint64_t peak_rss_kib();

}  // namespace civiup
