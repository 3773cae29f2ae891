// The transaction runner, journal and lock: phases applied in order, undone in
// reverse on failure, recoverable from the journal alone after a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "civiup/base/error.hpp"
#include "civiup/transaction/journal.hpp"
#include "civiup/transaction/state_lock.hpp"
#include "civiup/transaction/transaction.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {

// A world of named values that fake phases change; undo puts the old value back.
struct World {
  std::map<std::string, int> values;
  std::vector<std::string> calls;
  std::string fail_apply;  // phase whose apply throws (after changing its value)
  std::string fail_undo;   // phase whose undo throws
};

class SetValuePhase : public Phase {
 public:
  SetValuePhase(World& world, std::string key, int value) : world_(world), key_(std::move(key)), value_(value) {}
  std::string name() const override { return "set-" + key_; }
  void apply(UndoLog& undo) override {
    world_.calls.push_back("apply " + name());
    undo.record("previous", world_.values[key_]);
    world_.values[key_] = value_;
    if (world_.fail_apply == name()) fail("{} broke", name());
  }
  void undo(const nlohmann::json& data) override {
    world_.calls.push_back("undo " + name());
    if (world_.fail_undo == name()) fail("{} cannot undo", name());
    if (data.contains("previous")) world_.values[key_] = data["previous"].get<int>();
  }

 private:
  World& world_;
  std::string key_;
  int value_;
};

std::vector<std::unique_ptr<Phase>> three_phases(World& world) {
  std::vector<std::unique_ptr<Phase>> phases;
  phases.push_back(std::make_unique<SetValuePhase>(world, "a", 1));
  phases.push_back(std::make_unique<SetValuePhase>(world, "b", 2));
  phases.push_back(std::make_unique<SetValuePhase>(world, "c", 3));
  return phases;
}

JournalRecord new_record(const std::string& commit_phase = "set-c") {
  JournalRecord record;
  record.transaction = "upgrade";
  record.id = "test-1";
  record.started_at = "2026-11-25T00:00:00Z";
  record.pid = 1;
  record.commit_phase = commit_phase;
  return record;
}

PhaseFactory factory_for(World& world) {
  return [&world](const std::string& name) -> std::unique_ptr<Phase> {
    std::map<std::string, int> target = {{"set-a", 1}, {"set-b", 2}, {"set-c", 3}};
    if (!target.count(name)) return nullptr;
    return std::make_unique<SetValuePhase>(world, name.substr(4), target[name]);
  };
}

TEST(Transaction, AllPhasesDoneCommits) {
  test::TempDir dir;
  Journal journal(dir / "journal");
  World world;
  auto phases = three_phases(world);
  TransactionResult result = TransactionRunner(journal, new_record()).run(phases);
  EXPECT_EQ(result.outcome, JournalOutcome::kCommitted);
  EXPECT_EQ(world.values, (std::map<std::string, int>{{"a", 1}, {"b", 2}, {"c", 3}}));
  ASSERT_EQ(result.phases.size(), 3u);
  auto record = journal.load();
  ASSERT_TRUE(record);
  EXPECT_EQ(record->outcome, JournalOutcome::kCommitted);
  EXPECT_EQ(record->phases[1].undo["previous"], 0);
}

TEST(Transaction, FailureUndoesStartedPhasesInReverse) {
  test::TempDir dir;
  Journal journal(dir / "journal");
  World world;
  world.values = {{"a", 10}, {"b", 20}, {"c", 30}};
  world.fail_apply = "set-b";
  auto phases = three_phases(world);
  TransactionResult result = TransactionRunner(journal, new_record()).run(phases);
  EXPECT_EQ(result.outcome, JournalOutcome::kRolledBack);
  EXPECT_EQ(result.error, "phase set-b: set-b broke");
  EXPECT_EQ(world.values, (std::map<std::string, int>{{"a", 10}, {"b", 20}, {"c", 30}}));
  EXPECT_EQ(world.calls, (std::vector<std::string>{"apply set-a", "apply set-b", "undo set-b", "undo set-a"}));
  EXPECT_EQ(journal.load()->outcome, JournalOutcome::kRolledBack);
}

TEST(Transaction, UndoFailureStopsAndIsReported) {
  test::TempDir dir;
  Journal journal(dir / "journal");
  World world;
  world.fail_apply = "set-c";
  world.fail_undo = "set-b";
  auto phases = three_phases(world);
  TransactionResult result = TransactionRunner(journal, new_record()).run(phases);
  EXPECT_EQ(result.outcome, JournalOutcome::kRollbackFailed);
  EXPECT_EQ(result.undo_error, "undoing phase set-b: set-b cannot undo");
  // set-a was not undone over a state set-b could not put back.
  EXPECT_EQ(world.values["a"], 1);
  // recover, once the cause is gone, finishes the rollback from the journal.
  world.fail_undo.clear();
  TransactionResult recovered = TransactionRunner::recover(journal, factory_for(world), {"set-a", "set-b", "set-c"});
  EXPECT_EQ(recovered.outcome, JournalOutcome::kRolledBack);
  EXPECT_EQ(world.values, (std::map<std::string, int>{{"a", 0}, {"b", 0}, {"c", 0}}));
}

TEST(Transaction, RecoverAfterCrashRollsBackFromJournalAlone) {
  test::TempDir dir;
  Journal journal(dir / "journal");
  World world;
  world.values = {{"a", 5}, {"b", 6}, {"c", 7}};
  // Simulate a crash inside set-b: a journal with set-a done and set-b started.
  JournalRecord record = new_record();
  record.phases = {{"set-a", PhaseState::kDone, {{"previous", 5}}, 0.1},
                   {"set-b", PhaseState::kStarted, {{"previous", 6}}, 0}};
  journal.save(record);
  world.values["a"] = 1;
  world.values["b"] = 2;
  TransactionResult result = TransactionRunner::recover(journal, factory_for(world), {"set-a", "set-b", "set-c"});
  EXPECT_EQ(result.outcome, JournalOutcome::kRolledBack);
  EXPECT_EQ(world.values, (std::map<std::string, int>{{"a", 5}, {"b", 6}, {"c", 7}}));
  // A second recover has nothing left to do.
  world.calls.clear();
  TransactionRunner::recover(journal, factory_for(world), {"set-a", "set-b", "set-c"});
  EXPECT_TRUE(world.calls.empty());
}

TEST(Transaction, RecoverPastCommitPointRollsForward) {
  test::TempDir dir;
  Journal journal(dir / "journal");
  World world;
  JournalRecord record = new_record("set-b");
  record.phases = {{"set-a", PhaseState::kDone, {{"previous", 0}}, 0.1},
                   {"set-b", PhaseState::kDone, {{"previous", 0}}, 0.1},
                   {"set-c", PhaseState::kStarted, {{"previous", 0}}, 0}};
  journal.save(record);
  TransactionResult result = TransactionRunner::recover(journal, factory_for(world), {"set-a", "set-b", "set-c"});
  EXPECT_EQ(result.outcome, JournalOutcome::kCommitted);
  EXPECT_EQ(world.calls, (std::vector<std::string>{"apply set-c"}));
}

TEST(Transaction, UnfinishedJournalRefusesANewRun) {
  test::TempDir dir;
  Journal journal(dir / "journal");
  JournalRecord record = new_record();
  record.phases = {{"set-a", PhaseState::kStarted, {}, 0}};
  journal.save(record);
  World world;
  auto phases = three_phases(world);
  try {
    TransactionRunner(journal, new_record()).run(phases);
    FAIL() << "a run over an unfinished journal must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("run `civiup recover` first"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(world.calls.empty());
}

TEST(Transaction, InterruptStopsBeforeTheNextPhaseAndRollsBack) {
  test::TempDir dir;
  Journal journal(dir / "journal");
  World world;
  std::vector<std::unique_ptr<Phase>> phases;
  struct InterruptingPhase : SetValuePhase {
    using SetValuePhase::SetValuePhase;
    void apply(UndoLog& undo) override {
      SetValuePhase::apply(undo);
      interrupt_signal().store(SIGTERM);
    }
  };
  phases.push_back(std::make_unique<InterruptingPhase>(world, "a", 1));
  phases.push_back(std::make_unique<SetValuePhase>(world, "b", 2));
  TransactionResult result = TransactionRunner(journal, new_record()).run(phases);
  interrupt_signal().store(0);
  EXPECT_EQ(result.outcome, JournalOutcome::kRolledBack);
  EXPECT_EQ(result.error, "phase set-b: interrupted by SIGTERM");
  EXPECT_EQ(world.values["a"], 0);
}

TEST(Journal, TornOrEditedRecordIsDetected) {
  JournalRecord record = new_record();
  record.phases = {{"set-a", PhaseState::kDone, {{"previous", 5}}, 0.1}};
  std::string text = encode_journal(record);
  EXPECT_EQ(decode_journal(text).phases[0].undo["previous"], 5);
  EXPECT_THROW(decode_journal(text.substr(0, text.size() / 2)), Error);
  std::string edited = text;
  edited[edited.find("set-a")] = 'S';
  try {
    decode_journal(edited);
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "torn or edited journal: checksum mismatch");
  }
  EXPECT_THROW(decode_journal("garbage"), Error);
}

TEST(Journal, FileIsPrivateAndDurablyReplaced) {
  test::TempDir dir;
  Journal journal(dir / "journal");
  journal.save(new_record());
  struct stat st {};
  ASSERT_EQ(::stat((dir / "journal").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  // No temp files left behind: the journal, and the reserve of a running transaction.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 2);
}

// While a transaction runs, room for its rollback is kept next to the journal;
// a finished transaction gives it back.
TEST(Journal, ReserveIsKeptWhileRunningAndGivenBackWhenFinished) {
  test::TempDir dir;
  Journal journal(dir / "journal");
  JournalRecord record = new_record();
  journal.save(record);
  ASSERT_TRUE(std::filesystem::exists(dir / "journal.reserve"));
  EXPECT_EQ(std::filesystem::file_size(dir / "journal.reserve"), 8u << 20);
  record.outcome = JournalOutcome::kRolledBack;
  journal.save(record);
  EXPECT_FALSE(std::filesystem::exists(dir / "journal.reserve"));
}

TEST(StateLock, SecondHolderIsRefusedWithThePid) {
  test::TempDir dir;
  StateLock first(dir.path());
  // flock locks are per open file description: a second process is refused.
  auto result = test::run_process({"flock", "-n", (dir / "lock").string(), "true"});
  EXPECT_NE(result.exit_code, 0);
  try {
    StateLock second(dir.path());
    FAIL() << "second lock in the same state dir must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "state directory " + dir.path().string() + " is in use by another civiup (pid " +
                                         std::to_string(::getpid()) + ")");
  }
}

TEST(StateLock, ReleasedWhenTheHolderGoes) {
  test::TempDir dir;
  { StateLock first(dir.path()); }
  StateLock again(dir.path());
  SUCCEED();
}

}  // namespace
}  // namespace civiup
