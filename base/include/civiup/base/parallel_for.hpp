#pragma once
// The one thread pool: runs a body over [0, count) on a few threads, the
// calling thread one of them.  The first exception stops the rest (no index
// or range starts after it; one already running finishes) and is rethrown
// once every thread has ended.  A body that runs long can watch `stop` to
// give up early (the dump's row streams do).
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace civiup {

// Runs body(begin, end) over [0, count) cut into ranges of `grain` consecutive
// indices, on up to `threads` threads (a helper thread only where there is a
// range for it).  For paths in sorted order, ranges keep each thread in its
// own directories, where creating files side by side in one directory would
// make them queue for its lock.  `stop`, if given, is set on the first failure
// and, set by anyone, starts no further range.
template <typename Body>
void parallel_for_ranges(std::size_t count, unsigned threads, std::size_t grain, Body&& body,
                         std::atomic<bool>* stop = nullptr) {
  grain = std::max<std::size_t>(grain, 1);
  std::atomic<bool> own_stop{false};
  std::atomic<bool>& failed = stop != nullptr ? *stop : own_stop;
  std::atomic<std::size_t> next{0};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto work = [&] {
    for (std::size_t begin = next.fetch_add(grain); begin < count && !failed; begin = next.fetch_add(grain)) {
      try {
        body(begin, std::min(begin + grain, count));
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < threads && t * grain < count; ++t) helpers.emplace_back(work);
  work();
  for (auto& helper : helpers) helper.join();
  if (first_error) std::rethrow_exception(first_error);
}

// body(i) for each index in [0, count), the same way.
template <typename Body>
void parallel_for(std::size_t count, unsigned threads, Body&& body, std::size_t grain = 1,
                  std::atomic<bool>* stop = nullptr) {
  parallel_for_ranges(
      count, threads, grain,
      [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) body(i);
      },
      stop);
}

// A job count as given on the command line (an int, maybe 0 or less) as threads.
inline unsigned thread_count(int jobs) { return static_cast<unsigned>(std::max(1, jobs)); }

}  // namespace civiup
