#include "civiup/fault_point.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "civiup/snapshot/error.hpp"

namespace civiup {

void fault_point([[maybe_unused]] const std::string& phase, [[maybe_unused]] const char* when) {
#ifdef CIVIUP_FAULT_INJECTION
  const char* armed = std::getenv("CIVIUP_FAULT");
  if (armed == nullptr || *armed == '\0') return;
  std::string spec = armed;
  bool kill = spec.ends_with(":kill");
  if (kill) spec.resize(spec.size() - 5);
  std::string wanted_when = "before";
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    wanted_when = spec.substr(colon + 1);
    spec.resize(colon);
  }
  if (spec != phase || wanted_when != when) return;
  if (kill) {
    spdlog::default_logger()->flush();
    ::kill(::getpid(), SIGKILL);
  }
  fail("injected fault ({}:{})", phase, when);
#endif
}

}  // namespace civiup
