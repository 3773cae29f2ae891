// The progress sink of long steps: its line, and the "<phase>:inside" fault
// points it arms (CIVIUP_FAULT=<phase>:inside[@N][:kill]).
#include <gtest/gtest.h>

#include <cstdlib>

#include "civiup/base/error.hpp"
#include "civiup/system/terminal_progress.hpp"

namespace civiup {
namespace {

TEST(ProgressLine, CountsBytesAndRate) {
  EXPECT_EQ(progress_line("dumping civicrm", 12, 47, "tables", 85'000'000, 2.07),
            "dumping civicrm: 12/47 tables, 85 MB, 41 MB/s");
  EXPECT_EQ(progress_line("snapshotting code", 300, 0, "files", 0, 1.0), "snapshotting code: 300 files");
  EXPECT_EQ(progress_line("restoring civicrm", 0, 5, "tables", 1'500'000, 0.1),
            "restoring civicrm: 0/5 tables, 1.5 MB");
}

TEST(ProgressLine, AStepWithoutCountsShowsItsElapsedTime) {
  EXPECT_EQ(progress_line("upgrading the database", 0, 0, "", 0, 12.3), "upgrading the database: 12 s");
}

class InsideFault : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv("CIVIUP_FAULT"); }
};

TEST_F(InsideFault, FiresAtTheNthReportOfItsPhaseOnly) {
  ::setenv("CIVIUP_FAULT", "snapshot-databases:inside@3", 1);
  PhaseProgress other("snapshot-code");
  other.begin("snapshotting code", 10, "files");
  for (int i = 0; i < 5; ++i) other.advance(1, 0);  // another phase: never fires
  other.end();
  PhaseProgress progress("snapshot-databases");
  progress.begin("dumping civicrm", 47, "tables");  // 1st
  progress.advance(1, 100);                         // 2nd
  EXPECT_THROW(progress.advance(1, 100), Error);    // 3rd
}

TEST_F(InsideFault, PlainInsideFiresAtTheBegin) {
  ::setenv("CIVIUP_FAULT", "commit:inside", 1);
  PhaseProgress progress("commit");
  EXPECT_THROW(progress.begin("snapshotting code", 1, "files"), Error);
}

}  // namespace
}  // namespace civiup
