#pragma once
// Fault points for the crash and failure tests (DESIGN.md §3, issue 6): a
// named point either raises an error or kills the process with SIGKILL, when
// CIVIUP_FAULT names it:
//
//   CIVIUP_FAULT=<phase>:<when>[:kill|:powercut|:exec]     when = before | after | undo
//
// ":powercut" first shuts down the ext4 filesystem holding the path in
// CIVIUP_FAULT_POWERCUT (EXT4_IOC_SHUTDOWN, journal not flushed: what was not
// durable is lost, as on a power cut), then dies with SIGKILL.
//
// ":exec" runs the shell command in CIVIUP_FAULT_EXEC there and goes on: the
// tests kill the database server or fill the disk at a chosen point with it.
//
// e.g. "swap-code:after:kill" dies right after the exchange, before the
// journal records it.  Builds configured with -DCIVIUP_FAULT_INJECTION=OFF (the
// default: a release package, `cmake --install`) compile every point to
// nothing; scripts/setup turns it on for the test builds.
#include <string>

namespace civiup {

void fault_point(const std::string& phase, const char* when);

// Whether this binary was built with the fault points (`civiup --version --json`
// says "fault_injection"): false in a package or any default build.
bool fault_injection_compiled();

}  // namespace civiup
