#pragma once
// An exclusive lock on a state directory: one civiup at a time per site.
// flock(2) on <state>/lock, released by the kernel when the process dies, so a
// crashed civiup never leaves a stale lock; the file names the holder's pid.
#include <filesystem>

#include "civiup/base/unique_fd.hpp"

namespace civiup {

class StateLock {
 public:
  // Takes the lock or throws "state directory D is in use by civiup (pid N)".
  explicit StateLock(const std::filesystem::path& state_dir);
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  UniqueFd fd_;  // closing releases the flock
};

}  // namespace civiup
