#pragma once
// The durable journal of one transaction (DESIGN.md §3 "The transaction"):
// which phases started, with the data their undo needs, and which finished.
// Written before and after every phase like dpkg's status file: temp file,
// fsync, rename, fsync dir; a checksum line detects a torn or edited record.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace civiup {

enum class PhaseState {
  kStarted,  // intent recorded; apply may have changed things partly
  kDone,     // apply finished
  kUndoing,  // undo started (it is idempotent and may run again)
  kUndone,   // undo finished
};

std::string_view to_string(PhaseState state);
PhaseState phase_state_from_string(std::string_view text);

struct JournalPhase {
  std::string name;
  PhaseState state = PhaseState::kStarted;
  nlohmann::json undo;  // what undo needs, recorded before apply acts
  double seconds = 0;   // apply's duration once done
};

enum class JournalOutcome {
  kRunning,         // phases are being applied
  kRollingBack,     // a failure happened; undoing
  kRolledBack,      // all undone: the site is as before
  kCommitted,       // past the commit point, every phase done
  kRollbackFailed,  // undo itself failed; a human must look (exit 3)
};

std::string_view to_string(JournalOutcome outcome);
JournalOutcome journal_outcome_from_string(std::string_view text);

struct JournalRecord {
  std::string transaction;      // "upgrade", "rollback", "restore"
  std::string id;               // unique per run
  std::string started_at;       // ISO 8601 UTC
  int pid = 0;                  // the civiup process that wrote it
  std::vector<int> child_pids;  // processes it started that could change the site
  JournalOutcome outcome = JournalOutcome::kRunning;
  std::string error;         // the failure that started the rollback, if any
  std::string commit_phase;  // phases up to and including this one make the commit point
  nlohmann::json context;    // the transaction's own data (versions, paths, snapshot ids)
  std::vector<JournalPhase> phases;

  bool finished() const { return outcome == JournalOutcome::kRolledBack || outcome == JournalOutcome::kCommitted; }
  // True once the commit phase is done: recovery then rolls forward, not back.
  bool past_commit_point() const;
  JournalPhase* find(std::string_view phase_name);
};

// The journal file in a state directory.
class Journal {
 public:
  explicit Journal(std::filesystem::path path) : path_(std::move(path)) {}

  const std::filesystem::path& path() const { return path_; }

  // The record on disk, or nullopt when there is none.  Throws on a torn or
  // corrupted file, naming the file and the cause.
  std::optional<JournalRecord> load() const;

  // Durably replaces the record on disk.
  void save(const JournalRecord& record) const;

  // Removes the journal (after a finished transaction has been archived).
  void remove() const;

 private:
  std::filesystem::path path_;
};

// The serialized form (exposed for the fuzzer and tests).
std::string encode_journal(const JournalRecord& record);
JournalRecord decode_journal(std::string_view text);
// The file's text for a JSON body: the magic line with the body's checksum, then the body.
std::string seal_journal(std::string_view body);

}  // namespace civiup
