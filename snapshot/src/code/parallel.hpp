#pragma once
// How many threads a code snapshot or restore uses (parallel_for: base/).
#include <algorithm>
#include <thread>

#include "civiup/base/parallel_for.hpp"

namespace civiup::snapshot {

// Both cores of a small server: reading, hashing and deflating overlap well.
inline unsigned worker_count() { return std::clamp(std::thread::hardware_concurrency(), 1u, 4u); }

}  // namespace civiup::snapshot
