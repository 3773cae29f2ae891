#pragma once
// The upgrade's and the rollback's phases as data, from the one table of
// every phase (src/upgrade/phases/upgrade_phases.cpp): for recover, for
// check's plan, and for the tests that go through every phase.
#include <string>
#include <vector>

#include "civiup/check/preflight.hpp"

namespace civiup::phases {

// The phase names of a transaction ("upgrade" or "rollback") in order.  The
// commit point of both is `verify`: once it is done the run stands, and
// recover finishes (rolls forward) what follows.
const std::vector<std::string>& phase_order(const std::string& transaction);
inline constexpr const char* kCommitPhase = "verify";

// The same with each phase's one-line reason: the plan `check` prints.
std::vector<PlannedPhase> phase_plan(const std::string& transaction);

}  // namespace civiup::phases
