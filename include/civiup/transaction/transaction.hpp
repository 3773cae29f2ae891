#pragma once
// A transaction is an ordered list of phases, each with apply and undo
// (DESIGN.md §3).  Before a phase acts, the journal records its intent and the
// data its undo needs; after, its completion.  On any failure the runner undoes
// the started phases in reverse order.  After a crash, recover() does the same
// from the journal alone (or rolls forward past the commit point).
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "civiup/system/interrupts.hpp"
#include "civiup/transaction/journal.hpp"

namespace civiup {

// The undo data of one running phase.  A phase records here, before it changes
// anything, what its undo will need; every record() is durable when it returns.
class UndoLog {
 public:
  UndoLog(Journal& journal, JournalRecord& record, size_t phase_index)
      : journal_(journal), record_(record), index_(phase_index) {}
  const nlohmann::json& data() const { return record_.phases[index_].undo; }
  void record(const std::string& key, nlohmann::json value);
  // Several keys (a JSON object) in one durable journal write.
  void record(const nlohmann::json& entries);

 private:
  Journal& journal_;
  JournalRecord& record_;
  size_t index_;
};

class Phase {
 public:
  virtual ~Phase() = default;
  virtual std::string name() const = 0;
  // Changes the world.  Records what undo needs in `undo` before each change.
  virtual void apply(UndoLog& undo) = 0;
  // Puts back what apply changed, from the recorded data alone (it may run in
  // a later process, after a crash).  Idempotent: it may run twice, and on a
  // phase whose apply stopped halfway or never really began.
  virtual void undo(const nlohmann::json& undo) = 0;
};

// Makes the phase called `name` (for recover, which has only the journal).
using PhaseFactory = std::function<std::unique_ptr<Phase>(const std::string& name)>;

struct PhaseReport {
  std::string name;
  std::string status;  // "done", "undone", "failed", "skipped", "undo-failed"
  double seconds = 0;
};

struct TransactionResult {
  JournalOutcome outcome = JournalOutcome::kRunning;
  std::string error;       // the first failure, "phase NAME: cause"
  std::string undo_error;  // the failure of undo, if any
  std::vector<PhaseReport> phases;
};

class TransactionRunner {
 public:
  TransactionRunner(Journal& journal, JournalRecord record);

  // Applies the phases in order.  The journal must not hold an unfinished run.
  // On failure undoes what was started, newest first.  The phase named
  // record.commit_phase is the commit point: once it is done, a later failure
  // no longer rolls back (phases after it are finished by recover).
  TransactionResult run(std::vector<std::unique_ptr<Phase>>& phases);

  // Finishes the unfinished run in the journal: rolls back before the commit
  // point, or forward (applying the remaining phases) after it.
  static TransactionResult recover(Journal& journal, const PhaseFactory& make_phase,
                                   const std::vector<std::string>& phase_order);

 private:
  static TransactionResult undo_started(Journal& journal, JournalRecord& record, const PhaseFactory& make_phase,
                                        TransactionResult result);
  Journal& journal_;
  JournalRecord record_;
};

}  // namespace civiup
