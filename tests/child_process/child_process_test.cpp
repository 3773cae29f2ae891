// Child processes: output captured line by line, timeouts kill the whole
// group, and nothing outlives civiup.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <thread>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/system/child_process.hpp"
#include "civiup/transaction/transaction.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {

using namespace std::chrono_literals;

TEST(ChildProcess, RunsInCwdWithEnvAndStreamsLines) {
  test::TempDir dir;
  std::vector<std::string> lines;
  pid_t started = 0;
  ChildResult result = run_child({{"sh", "-c", "pwd; echo \"$CIVIUP_X\"; echo err >&2; exit 3"},
                                  {{"CIVIUP_X", "hello"}},
                                  dir.path(),
                                  10s,
                                  [&](pid_t pid) { started = pid; },
                                  [&](std::string_view line) { lines.emplace_back(line); }});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.timed_out);
  EXPECT_GT(started, 0);
  EXPECT_EQ(lines, (std::vector<std::string>{dir.path().string(), "hello", "err"}));
}

// Both pipes closed again, also when the program cannot be run.
TEST(ChildProcess, LeavesNoDescriptorOpen) {
  auto open_descriptors = [] {
    size_t count = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++count;
    return count;
  };
  const size_t before = open_descriptors();
  EXPECT_EQ(run_child({{"true"}, {}, {}, 10s, {}, {}}).exit_code, 0);
  EXPECT_THROW(run_child({{"/nonexistent/civiup-test-program"}, {}, {}, 10s, {}, {}}), Error);
  EXPECT_EQ(open_descriptors(), before);
}

TEST(ChildProcess, TimeoutKillsTheWholeGroup) {
  test::TempDir dir;
  // The child starts a grandchild that would write a file after 3 s.
  ChildResult result = run_child({{"sh", "-c", "(sleep 3; touch late) & sleep 30"}, {}, dir.path(), 500ms, {}, {}});
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.exit_code, 128 + SIGKILL);
  EXPECT_LT(result.seconds, 5);
  std::this_thread::sleep_for(3500ms);
  EXPECT_FALSE(std::filesystem::exists(dir / "late")) << "a grandchild outlived the timeout";
}

TEST(ChildProcess, MissingProgramIsAnErrorNamingIt) {
  try {
    run_child({{"civiup-no-such-program"}, {}, {}, 1s, {}, {}});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot run civiup-no-such-program: No such file or directory");
  }
}

TEST(ChildProcess, InterruptKillsTheChildAndThrows) {
  test::TempDir dir;
  std::thread interrupter([] {
    std::this_thread::sleep_for(300ms);
    interrupt_signal().store(SIGTERM);
  });
  try {
    run_child({{"sh", "-c", "sleep 2; touch late"}, {}, dir.path(), 10s, {}, {}});
    interrupter.join();
    interrupt_signal().store(0);
    FAIL() << "an interrupt must stop the command";
  } catch (const Error& e) {
    interrupter.join();
    interrupt_signal().store(0);
    EXPECT_EQ(std::string(e.what()), "sh stopped: civiup was interrupted by SIGTERM");
  }
  std::this_thread::sleep_for(2500ms);
  EXPECT_FALSE(std::filesystem::exists(dir / "late"));
}

// A SIGKILL of the parent (civiup) kills the child too: PR_SET_PDEATHSIG.
TEST(ChildProcess, ChildDiesWithItsParent) {
  test::TempDir dir;
  // A shell stands in for civiup: it runs this test binary's helper mode,
  // which starts a child through run_child and is then SIGKILLed.
  if (const char* mode = std::getenv("CIVIUP_CHILD_TEST_PARENT")) {
    run_child({{"sh", "-c", std::string("echo $$ > ") + mode + "/child.pid; sleep 3; touch " + mode + "/late"},
               {},
               {},
               60s,
               {},
               {}});
    return;
  }
  char self[4096];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  pid_t parent = ::fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    ::setenv("CIVIUP_CHILD_TEST_PARENT", dir.path().c_str(), 1);
    ::execl(self, self, "--gtest_filter=ChildProcess.ChildDiesWithItsParent", nullptr);
    ::_exit(127);
  }
  for (int i = 0; i < 100 && !std::filesystem::exists(dir / "child.pid"); ++i) std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(std::filesystem::exists(dir / "child.pid"));
  std::this_thread::sleep_for(100ms);
  pid_t child = std::stoi(read_file(dir / "child.pid"));
  ::kill(parent, SIGKILL);
  ::waitpid(parent, nullptr, 0);
  for (int i = 0; i < 50 && process_alive(child); ++i) std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(process_alive(child));
  std::this_thread::sleep_for(3500ms);
  EXPECT_FALSE(std::filesystem::exists(dir / "late"));
}

TEST(ChildProcess, KillProcessGroupStopsAStrayGroup) {
  test::TempDir dir;
  auto result = test::run_process({"sh", "-c", "setsid sh -c 'sleep 30' >/dev/null 2>&1 & echo $!"});
  pid_t stray = std::stoi(result.out);
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(process_alive(stray));
  EXPECT_TRUE(kill_process_group(stray));
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(process_alive(stray));
}

TEST(CommandLine, SplitsLikeAShellForSimpleCommands) {
  auto parsed =
      split_command_line("CIVICRM_UPGRADE_ACTIVE=1 cv upgrade:db --no-interaction 'a b' \"c \\\"d\\\"\" e\\ f");
  EXPECT_EQ(parsed.env, (std::map<std::string, std::string>{{"CIVICRM_UPGRADE_ACTIVE", "1"}}));
  EXPECT_EQ(parsed.argv, (std::vector<std::string>{"cv", "upgrade:db", "--no-interaction", "a b", "c \"d\"", "e f"}));
}

TEST(CommandLine, ShellSyntaxIsRefused) {
  EXPECT_THROW(split_command_line("cv upgrade:db | tee log"), Error);
  EXPECT_THROW(split_command_line("cv $(whoami)"), Error);
  EXPECT_THROW(split_command_line("cv 'unterminated"), Error);
  EXPECT_THROW(split_command_line("A=1"), Error);
  EXPECT_THROW(split_command_line(""), Error);
}

}  // namespace
}  // namespace civiup
