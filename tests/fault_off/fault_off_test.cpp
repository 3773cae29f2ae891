// A build configured as a package is (CIVIUP_FAULT_INJECTION OFF, the
// default) ignores CIVIUP_FAULT: every fault point is compiled to nothing.
// The test build itself must have them on, or the crash tests prove nothing.
#include <gtest/gtest.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "civiup/system/fault_point.hpp"
#include "support/process.hpp"

namespace civiup {
namespace {

TEST(FaultInjectionOff, AnArmedFaultPointDoesNothingInAPackageBuild) {
  EXPECT_FALSE(fault_injection_compiled());
  for (const char* armed : {"swap-code:before", "swap-code:after:kill", "commit:inside@1:kill"}) {
    ::setenv("CIVIUP_FAULT", armed, 1);
    EXPECT_NO_THROW(fault_point("swap-code", "before")) << armed;
    EXPECT_NO_THROW(fault_point("swap-code", "after")) << armed;  // ":kill" would have ended this process
    EXPECT_NO_THROW(fault_point("commit", "inside")) << armed;
  }
  ::unsetenv("CIVIUP_FAULT");
}

TEST(FaultInjectionOff, TheTestBuildHasTheFaultPointsTheCrashTestsArm) {
  test::ProcessResult version = test::run_civiup({"--version", "--json"});
  ASSERT_EQ(version.exit_code, 0) << version.err;
  EXPECT_EQ(nlohmann::json::parse(version.out)["fault_injection"], true)
      << "configure the test build with -DCIVIUP_FAULT_INJECTION=ON (scripts/setup does)";
}

}  // namespace
}  // namespace civiup
