#pragma once
// Runs body(i) for i in [0, count) on up to `threads` threads (the calling
// thread is one of them); the first exception stops the rest and is rethrown.
// Threads take `grain` consecutive indices at a time: for paths in sorted
// order that keeps each thread in its own directories, where creating files
// side by side in one directory would make them queue for its lock.
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
void parallel_for(std::size_t count, unsigned threads, Body&& body, std::size_t grain = 1) {
  grain = std::max<std::size_t>(grain, 1);
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto work = [&] {
    for (std::size_t begin = next.fetch_add(grain); begin < count && !failed; begin = next.fetch_add(grain)) {
      try {
        std::size_t end = std::min(begin + grain, count);
        for (std::size_t i = begin; i < end && !failed; ++i) body(i);
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

}  // namespace civiup::snapshot
