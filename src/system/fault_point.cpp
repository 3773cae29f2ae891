#include "civiup/system/fault_point.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"

namespace civiup {

#ifdef CIVIUP_FAULT_INJECTION
namespace {

struct ArmedFault {
  std::string phase;
  std::string when = "before";
  unsigned long hit = 0;  // "inside@N": the Nth time the point is reached; 0: every time
  bool kill = false;
  bool power_cut = false;  // ":powercut": shut the filesystem down first (see the header)
  bool exec = false;       // ":exec": run CIVIUP_FAULT_EXEC and go on (see the header)
};

// EXT4_IOC_SHUTDOWN (fs/ext4/ext4.h; the same number as XFS_IOC_GOINGDOWN) with
// EXT4_GOING_FLAGS_NOLOGFLUSH: the filesystem stops as on a power cut, and
// what was not yet committed to its journal is lost.
constexpr unsigned long kExt4Shutdown = _IOR('X', 125, uint32_t);
constexpr uint32_t kNoLogFlush = 2;

[[noreturn]] void die(bool power_cut) {
  spdlog::default_logger()->flush();
  if (power_cut) {
    const char* path = std::getenv("CIVIUP_FAULT_POWERCUT");
    int fd = path == nullptr ? -1 : ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    uint32_t flags = kNoLogFlush;
    if (fd < 0 || ::ioctl(fd, kExt4Shutdown, &flags) != 0) {
      spdlog::error("fault point: power cut of '{}' failed: {}", path ? path : "(CIVIUP_FAULT_POWERCUT unset)",
                    std::strerror(errno));
    }
  }
  ::kill(::getpid(), SIGKILL);
  std::abort();
}

ArmedFault parse_fault(std::string spec) {
  ArmedFault fault;
  fault.kill = spec.ends_with(":kill");
  if (fault.kill) spec.resize(spec.size() - 5);
  fault.power_cut = spec.ends_with(":powercut");
  if (fault.power_cut) spec.resize(spec.size() - 9);
  fault.exec = spec.ends_with(":exec");
  if (fault.exec) spec.resize(spec.size() - 5);
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    fault.when = spec.substr(colon + 1);
    spec.resize(colon);
  }
  if (size_t at = fault.when.find('@'); at != std::string::npos) {
    fault.hit = std::max(1UL, std::strtoul(fault.when.c_str() + at + 1, nullptr, 10));
    fault.when.resize(at);
  }
  fault.phase = spec;
  return fault;
}

}  // namespace
#endif

void fault_point([[maybe_unused]] const std::string& phase, [[maybe_unused]] const char* when) {
#ifdef CIVIUP_FAULT_INJECTION
  const char* armed = std::getenv("CIVIUP_FAULT");
  if (armed == nullptr || *armed == '\0') return;
  ArmedFault fault = parse_fault(armed);
  if (fault.phase != phase || fault.when != when) return;
  // Counted across threads: the Nth arrival fires, once.
  static std::atomic<unsigned long> arrivals{0};
  if (fault.hit != 0 && ++arrivals != fault.hit) return;
  if (fault.kill || fault.power_cut) die(fault.power_cut);
  if (fault.exec) {
    const char* command = std::getenv("CIVIUP_FAULT_EXEC");
    spdlog::warn("fault point {}:{}: running {}", phase, when, command ? command : "(CIVIUP_FAULT_EXEC unset)");
    if (command == nullptr || std::system(command) != 0)
      fail("fault point {}:{}: CIVIUP_FAULT_EXEC failed", phase, when);
    return;
  }
  fail("injected fault ({}:{})", phase, when);
#endif
}

bool fault_injection_compiled() {
#ifdef CIVIUP_FAULT_INJECTION
  return true;
#else
  return false;
#endif
}

}  // namespace civiup
