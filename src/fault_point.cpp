#include "civiup/fault_point.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

#include "civiup/snapshot/error.hpp"

namespace civiup {
#ifdef CIVIUP_FAULT_INJECTION
namespace {

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

}  // namespace
#endif

void fault_point([[maybe_unused]] const std::string& phase, [[maybe_unused]] const char* when) {
#ifdef CIVIUP_FAULT_INJECTION
  const char* armed = std::getenv("CIVIUP_FAULT");
  if (armed == nullptr || *armed == '\0') return;
  std::string spec = armed;
  bool kill = spec.ends_with(":kill");
  bool power_cut = spec.ends_with(":powercut");
  if (kill) spec.resize(spec.size() - 5);
  if (power_cut) spec.resize(spec.size() - 9);
  std::string wanted_when = "before";
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    wanted_when = spec.substr(colon + 1);
    spec.resize(colon);
  }
  if (spec != phase || wanted_when != when) return;
  if (kill || power_cut) die(power_cut);
  fail("injected fault ({}:{})", phase, when);
#endif
}

}  // namespace civiup
