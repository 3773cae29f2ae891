#pragma once
// Runs body(begin, end) over [0, count) cut into ranges of `grain` consecutive
// indices, on up to `threads` threads (the calling thread is one of them); the
// first exception stops the rest and is rethrown.  For paths in sorted order,
// ranges keep each thread in its own directories, where creating files side
// by side in one directory would make them queue for its lock.  parallel_for
// runs body(i) for each index the same way.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace civiup::snapshot {

// Both cores of a small server: reading, hashing and deflating overlap well.
inline unsigned worker_count() { return std::clamp(std::thread::hardware_concurrency(), 1u, 4u); }

template <typename Body>
void parallel_for_ranges(std::size_t count, unsigned threads, std::size_t grain, Body&& body) {
  grain = std::max<std::size_t>(grain, 1);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
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

template <typename Body>
void parallel_for(std::size_t count, unsigned threads, Body&& body, std::size_t grain = 1) {
  parallel_for_ranges(count, threads, grain, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) body(i);
  });
}

}  // namespace civiup::snapshot
