// What a run no longer needs (the replaced tree, undo dumps) is renamed into
// <state>/trash and deleted by a detached low-priority process, off the
// critical path; the deleter honours <state>/trash.lock, and trash left by a
// crash is swept by the next command.  The rest of the suite runs with
// CIVIUP_SYNC_DELETE=1 (tests/CMakeLists.txt); these tests turn it off.
#include <fcntl.h>
#include <linux/ioprio.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <future>

#include "civiup/base/unique_fd.hpp"

#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

const std::map<std::string, std::string> kBackground = {{"CIVIUP_SYNC_DELETE", "0"}};

bool trash_is_empty(const fs::path& state) {
  std::error_code error;
  return !fs::exists(state / "trash") || fs::is_empty(state / "trash", error);
}

// Holds flock(<state>/trash.lock) as a deleter would, naming our pid.
class HeldTrashLock {
 public:
  explicit HeldTrashLock(const fs::path& state) {
    fs::create_directories(state);
    fs::permissions(state, fs::perms::owner_all, fs::perm_options::replace);
    fd_.reset(::open((state / "trash.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    EXPECT_GE(fd_.get(), 0);
    EXPECT_EQ(::flock(fd_.get(), LOCK_EX), 0);
    std::string pid = std::to_string(::getpid()) + "\n";
    EXPECT_EQ(::pwrite(fd_.get(), pid.data(), pid.size(), 0), static_cast<ssize_t>(pid.size()));
  }
  void release() { fd_.reset(); }

 private:
  UniqueFd fd_;
};

// Other processes that have `file` open (the deleter waiting for its lock).
std::vector<int> processes_holding(const fs::path& file) {
  std::vector<int> pids;
  std::error_code error;
  for (const auto& process : fs::directory_iterator("/proc", error)) {
    std::string name = process.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos || std::stoi(name) == ::getpid()) continue;
    std::error_code fd_error;
    for (const auto& fd : fs::directory_iterator(process.path() / "fd", fd_error)) {
      std::error_code link_error;
      if (fs::read_symlink(fd.path(), link_error) == file) {
        pids.push_back(std::stoi(name));
        break;
      }
    }
  }
  return pids;
}

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::seconds limit = std::chrono::seconds(60)) {
  for (auto end = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < end;) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return predicate();
}

TEST_F(UpgradeTest, TheReplacedTreeIsDeletedInTheBackgroundAfterTheCommandReturns) {
  fs::path state = state_dir();
  auto lock = std::make_unique<HeldTrashLock>(state);  // a deleter already at work

  ProcessResult result = upgrade(kBackground);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  // The command returned (with its output pipes closed) while the trash was
  // still locked: the old tree was renamed, not deleted, inside the run.
  EXPECT_TRUE(fs::is_empty(state / "staging")) << "the old tree is still in staging/";
  ASSERT_FALSE(trash_is_empty(state));
  size_t trashed_files = 0;
  for (auto it = fs::recursive_directory_iterator(state / "trash"); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_regular_file()) ++trashed_files;
  }
  EXPECT_GT(trashed_files, 10u) << "the old code tree is in the trash";

  // The deleter waits for the lock, at the lowest CPU and I/O priority.
  std::vector<int> deleters;
  ASSERT_TRUE(eventually([&] { return !(deleters = processes_holding(state / "trash.lock")).empty(); }))
      << "no deleter process has the trash lock open";
  ASSERT_EQ(deleters.size(), 1u);
  EXPECT_EQ(::getpriority(PRIO_PROCESS, static_cast<id_t>(deleters[0])), 19);
  long ioprio = ::syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, deleters[0]);
  EXPECT_EQ(IOPRIO_PRIO_CLASS(ioprio), IOPRIO_CLASS_IDLE);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(trash_is_empty(state)) << "the deleter did not wait for the lock";

  ProcessResult status = test::run_civiup({"status", "--root", site_.root.string(), "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  nlohmann::json trash = json_of(status)["trash"];
  EXPECT_GT(trash["bytes"].get<uint64_t>(), 0u);
  EXPECT_EQ(trash["deleter_pid"], ::getpid()) << "status names the lock's holder";

  lock->release();
  EXPECT_TRUE(eventually([&] { return trash_is_empty(state); })) << "the deleter did not empty the trash";
  EXPECT_TRUE(eventually([&] { return processes_holding(state / "trash.lock").empty(); }))
      << "the deleter did not exit";
}

TEST_F(UpgradeTest, ASweepWaitsForTheRunningDeleter) {
  ProcessResult result = upgrade();  // CIVIUP_SYNC_DELETE=1: nothing left
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  fs::path state = state_dir();
  fs::create_directories(state / "trash" / "staging-x" / "civicrm");
  write_file_durably(state / "trash" / "staging-x" / "civicrm" / "a.php", "<?php\n", 0644);

  auto lock = std::make_unique<HeldTrashLock>(state);
  // prune frees space: it empties the trash now, waiting for the lock.
  auto prune = std::async(std::launch::async, [&] {
    return test::run_civiup({"prune", "--root", site_.root.string(), "--keep", "10", "--yes"});
  });
  EXPECT_EQ(prune.wait_for(std::chrono::seconds(2)), std::future_status::timeout) << "prune did not wait";
  EXPECT_FALSE(trash_is_empty(state));
  lock->release();
  ProcessResult pruned = prune.get();
  EXPECT_EQ(pruned.exit_code, 0) << pruned.err;
  EXPECT_TRUE(trash_is_empty(state)) << "prune left the trash";
}

TEST_F(UpgradeTest, TrashLeftByACrashIsSweptAndRecoverStillFinishesTheRun) {
  // Killed right after commit moved the old tree into the trash: no deleter started.
  ProcessResult killed = upgrade({{"CIVIUP_FAULT", "commit:after:kill"}, {"CIVIUP_SYNC_DELETE", "0"}});
  ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.out << killed.err;
  fs::path state = state_dir();
  ASSERT_FALSE(trash_is_empty(state)) << "the old tree should be in the trash";

  ProcessResult recovered = test::run_civiup({"recover", "--root", site_.root.string(), "--yes", "--json"});
  ASSERT_EQ(recovered.exit_code, 0) << recovered.out << recovered.err;
  EXPECT_EQ(json_of(recovered)["outcome"], "committed");
  EXPECT_EQ(query(site_.civicrm_db, "SELECT version FROM civicrm_domain LIMIT 1"), kTo);
  EXPECT_TRUE(trash_is_empty(state)) << "recover left the crash's trash";
}

}  // namespace
}  // namespace civiup
