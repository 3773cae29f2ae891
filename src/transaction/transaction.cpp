#include "civiup/transaction/transaction.hpp"

#include <chrono>
#include <csignal>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/transaction/site_changes.hpp"

namespace civiup {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string describe(const std::exception& e) { return e.what(); }

}  // namespace

namespace {
std::atomic<bool> g_site_may_have_changed{false};

// A journal write whose failure must not end the run: the caller goes on
// (undoing, or reporting) and the journal on disk stays what recover needs.
void try_save(Journal& journal, const JournalRecord& record) {
  try {
    journal.save(record);
  } catch (const std::exception&) {
    // recover decides from the last record that did reach the disk.
  }
}

// The one step that applies a phase, for run() and for the roll-forward of
// recover(): the journal records the phase started (in the entry an
// interrupted attempt left, with the undo data it holds, else a new one), the
// phase applies with its undo log, the journal records it done and `result`
// reports it.  `phase` is called only once the start is durable (recover makes
// the phase from its name there).  Phase names in a run are unique.  Throws
// what the journal or the phase throws; the caller decides what a failure means.
void apply_phase(Journal& journal, JournalRecord& record, const std::string& name, const std::function<Phase&()>& phase,
                 TransactionResult& result) {
  auto start = std::chrono::steady_clock::now();
  JournalPhase* entry = record.find(name);
  if (entry == nullptr) {
    record.phases.push_back({name, PhaseState::kStarted, nlohmann::json::object(), 0});
    entry = &record.phases.back();
  }
  entry->state = PhaseState::kStarted;
  journal.save(record);
  Phase& applying = phase();
  UndoLog undo(journal, record, static_cast<size_t>(entry - record.phases.data()));
  applying.apply(undo);
  entry->state = PhaseState::kDone;
  entry->seconds = seconds_since(start);
  journal.save(record);
  result.phases.push_back({name, "done", entry->seconds});
}
}  // namespace

bool site_may_have_changed() { return g_site_may_have_changed.load(); }
void note_site_may_change() { g_site_may_have_changed.store(true); }

void UndoLog::record(const std::string& key, nlohmann::json value) {
  record_.phases[index_].undo[key] = std::move(value);
  journal_.save(record_);
}

void UndoLog::record(const nlohmann::json& entries) {
  for (const auto& [key, value] : entries.items()) record_.phases[index_].undo[key] = value;
  journal_.save(record_);
}

TransactionRunner::TransactionRunner(Journal& journal, JournalRecord record)
    : journal_(journal), record_(std::move(record)) {}

TransactionResult TransactionRunner::run(std::vector<std::unique_ptr<Phase>>& phases) {
  if (auto existing = journal_.load(); existing && !existing->finished()) {
    fail("journal {} holds an unfinished {} (id {}): run `civiup recover` first", journal_.path().string(),
         existing->transaction, existing->id);
  }
  TransactionResult result;
  record_.outcome = JournalOutcome::kRunning;
  record_.phases.clear();
  journal_.save(record_);  // a failure here changed nothing: exit 2
  note_site_may_change();

  std::map<std::string, Phase*> by_name;
  for (auto& phase : phases) by_name[phase->name()] = phase.get();

  for (auto& phase : phases) {
    std::string name = phase->name();
    auto start = std::chrono::steady_clock::now();
    try {
      check_interrupted();
      apply_phase(
          journal_, record_, name, [&]() -> Phase& { return *phase; }, result);
    } catch (const std::exception& e) {
      result.error = fmt::format("phase {}: {}", name, describe(e));
      result.phases.push_back({name, "failed", seconds_since(start)});
      record_.error = result.error;
      if (record_.past_commit_point()) {
        // Past the commit point the upgrade stands; recover finishes the rest.
        record_.outcome = JournalOutcome::kRunning;
        try_save(journal_, record_);
        result.outcome = JournalOutcome::kRunning;
        return result;
      }
      record_.outcome = JournalOutcome::kRollingBack;
      try_save(journal_, record_);  // undo_started writes again; recover rolls back either way
      PhaseFactory reuse = [&](const std::string& phase_name) -> std::unique_ptr<Phase> {
        Phase* found = by_name.at(phase_name);
        // Non-owning: the runner's caller owns the phases.
        struct Borrowed : Phase {
          explicit Borrowed(Phase* p) : inner(p) {}
          std::string name() const override { return inner->name(); }
          void apply(UndoLog& log) override { inner->apply(log); }
          void undo(const nlohmann::json& data) override { inner->undo(data); }
          Phase* inner;
        };
        return std::make_unique<Borrowed>(found);
      };
      return undo_started(journal_, record_, reuse, std::move(result));
    }
  }
  record_.outcome = JournalOutcome::kCommitted;
  try {
    journal_.save(record_);
  } catch (const std::exception& e) {
    // Every phase is done, but the journal does not say so: the site stands
    // upgraded and recover (rolling forward) must record it.  Not exit 2.
    result.error = describe(e);
    result.outcome = JournalOutcome::kRunning;
    return result;
  }
  result.outcome = JournalOutcome::kCommitted;
  return result;
}

TransactionResult TransactionRunner::undo_started(Journal& journal, JournalRecord& record,
                                                  const PhaseFactory& make_phase, TransactionResult result) {
  for (auto it = record.phases.rbegin(); it != record.phases.rend(); ++it) {
    if (it->state == PhaseState::kUndone) continue;
    auto start = std::chrono::steady_clock::now();
    try {
      it->state = PhaseState::kUndoing;
      journal.save(record);
      std::unique_ptr<Phase> phase = make_phase(it->name);
      if (!phase) fail("no phase called '{}' is known to this civiup", it->name);
      phase->undo(it->undo);
      it->state = PhaseState::kUndone;
      journal.save(record);
      result.phases.push_back({it->name, "undone", seconds_since(start)});
    } catch (const std::exception& e) {
      // Stop here: undoing older phases over a state this one could not put
      // back would make things worse.  recover retries from this phase.
      result.undo_error = fmt::format("undoing phase {}: {}", it->name, describe(e));
      result.phases.push_back({it->name, "undo-failed", seconds_since(start)});
      record.outcome = JournalOutcome::kRollbackFailed;
      record.error = result.error.empty() ? result.undo_error : result.error + "; " + result.undo_error;
      try {
        journal.save(record);
      } catch (const std::exception&) {
        // The journal still says rolling-back; recover will retry either way.
      }
      result.outcome = JournalOutcome::kRollbackFailed;
      return result;
    }
  }
  record.outcome = JournalOutcome::kRolledBack;
  try {
    journal.save(record);
  } catch (const std::exception& e) {
    // The site is back, but the journal still says rolling-back: recover must finish it.
    result.undo_error = describe(e);
    result.outcome = JournalOutcome::kRollbackFailed;
    return result;
  }
  result.outcome = JournalOutcome::kRolledBack;
  return result;
}

namespace {

TransactionResult roll_forward(Journal& journal, JournalRecord& record, const PhaseFactory& make_phase,
                               const std::vector<std::string>& phase_order, TransactionResult result) {
  // Apply every phase of the order not yet done.  A failure leaves the run
  // unfinished past its commit point (exit 3), never "nothing changed".
  std::string current;
  auto start = std::chrono::steady_clock::now();
  try {
    for (const std::string& name : phase_order) {
      JournalPhase* existing = record.find(name);
      if (existing != nullptr && existing->state == PhaseState::kDone) continue;
      current = name;
      start = std::chrono::steady_clock::now();
      std::unique_ptr<Phase> made;
      apply_phase(
          journal, record, name,
          [&]() -> Phase& {
            made = make_phase(name);
            if (!made) fail("no phase called '{}' is known to this civiup", name);
            return *made;
          },
          result);
    }
    current.clear();
    record.outcome = JournalOutcome::kCommitted;
    journal.save(record);
  } catch (const std::exception& e) {
    std::string cause = current.empty() ? fmt::format("recording the finished run: {}", describe(e))
                                        : fmt::format("rolling forward, phase {}: {}", current, describe(e));
    if (!current.empty()) result.phases.push_back({current, "failed", seconds_since(start)});
    result.error = result.error.empty() ? cause : result.error + "; " + cause;
    record.error = result.error;
    try_save(journal, record);
    result.outcome = JournalOutcome::kRunning;
    return result;
  }
  result.outcome = JournalOutcome::kCommitted;
  return result;
}

}  // namespace

TransactionResult TransactionRunner::recover(Journal& journal, const PhaseFactory& make_phase,
                                             const std::vector<std::string>& phase_order) {
  std::optional<JournalRecord> loaded = journal.load();
  TransactionResult result;
  if (!loaded || loaded->finished()) {
    result.outcome = loaded ? loaded->outcome : JournalOutcome::kCommitted;
    return result;
  }
  JournalRecord& record = *loaded;
  note_site_may_change();
  result.error = record.error;
  if (record.outcome == JournalOutcome::kRunning && record.past_commit_point()) {
    return roll_forward(journal, record, make_phase, phase_order, std::move(result));
  }
  record.outcome = JournalOutcome::kRollingBack;
  journal.save(record);
  return undo_started(journal, record, make_phase, std::move(result));
}

}  // namespace civiup
