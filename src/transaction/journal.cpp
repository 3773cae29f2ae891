#include "civiup/transaction/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstring>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/fnv1a.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/system/printable_text.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "civiup-journal 1 fnv1a64=";

template <typename Enum, size_t N>
Enum enum_from(std::string_view text, const std::array<std::pair<Enum, std::string_view>, N>& names,
               std::string_view what) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  fail("unknown {} '{}'", what, printable(text, 40));
}

template <typename Enum, size_t N>
std::string_view enum_name(Enum value, const std::array<std::pair<Enum, std::string_view>, N>& names) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "?";
}

constexpr std::array<std::pair<PhaseState, std::string_view>, 4> kPhaseStates = {{
    {PhaseState::kStarted, "started"},
    {PhaseState::kDone, "done"},
    {PhaseState::kUndoing, "undoing"},
    {PhaseState::kUndone, "undone"},
}};

constexpr std::array<std::pair<JournalOutcome, std::string_view>, 5> kOutcomes = {{
    {JournalOutcome::kRunning, "running"},
    {JournalOutcome::kRollingBack, "rolling-back"},
    {JournalOutcome::kRolledBack, "rolled-back"},
    {JournalOutcome::kCommitted, "committed"},
    {JournalOutcome::kRollbackFailed, "rollback-failed"},
}};

// A pid from the record: an integer that fits an int (a float such as 1e300
// would make nlohmann's get<int>() undefined behaviour; found by fuzz_journal).
int pid_from(const nlohmann::json& value) {
  if (value.is_number_unsigned() && value.get<uint64_t>() <= uint64_t{INT_MAX})
    return static_cast<int>(value.get<uint64_t>());
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    int64_t number = value.get<int64_t>();
    if (number >= INT_MIN && number <= INT_MAX) return static_cast<int>(number);
  }
  fail("malformed journal: a pid that is not an integer in range: {}", printable(value.dump(), 40));
}

}  // namespace

std::string_view to_string(PhaseState state) { return enum_name(state, kPhaseStates); }
PhaseState phase_state_from_string(std::string_view text) { return enum_from(text, kPhaseStates, "phase state"); }
std::string_view to_string(JournalOutcome outcome) { return enum_name(outcome, kOutcomes); }
JournalOutcome journal_outcome_from_string(std::string_view text) {
  return enum_from(text, kOutcomes, "journal outcome");
}

bool JournalRecord::past_commit_point() const {
  if (commit_phase.empty()) return false;
  auto it = std::find_if(phases.begin(), phases.end(), [&](const JournalPhase& p) { return p.name == commit_phase; });
  return it != phases.end() && it->state == PhaseState::kDone;
}

JournalPhase* JournalRecord::find(std::string_view phase_name) {
  auto it = std::find_if(phases.begin(), phases.end(), [&](const JournalPhase& p) { return p.name == phase_name; });
  return it == phases.end() ? nullptr : &*it;
}

std::string encode_journal(const JournalRecord& record) {
  nlohmann::json phases = nlohmann::json::array();
  for (const JournalPhase& phase : record.phases) {
    phases.push_back(
        {{"name", phase.name}, {"state", to_string(phase.state)}, {"undo", phase.undo}, {"seconds", phase.seconds}});
  }
  nlohmann::json body = {
      {"transaction", record.transaction},
      {"id", record.id},
      {"started_at", record.started_at},
      {"pid", record.pid},
      {"child_pids", record.child_pids},
      {"outcome", to_string(record.outcome)},
      {"error", record.error},
      {"commit_phase", record.commit_phase},
      {"context", record.context},
      {"phases", phases},
  };
  return seal_journal(body.dump(2));
}

std::string seal_journal(std::string_view body) { return fmt::format("{}{:016x}\n{}\n", kMagic, fnv1a64(body), body); }

JournalRecord decode_journal(std::string_view text) {
  if (!text.starts_with(kMagic)) fail("not a civiup journal (bad first line)");
  size_t newline = text.find('\n');
  if (newline == std::string_view::npos || newline != kMagic.size() + 16) {
    fail("torn journal: the first line is incomplete");
  }
  std::string_view checksum = text.substr(kMagic.size(), 16);
  std::string_view body = text.substr(newline + 1);
  if (body.empty() || body.back() != '\n') fail("torn journal: the record is incomplete");
  body.remove_suffix(1);
  if (fmt::format("{:016x}", fnv1a64(body)) != checksum) {
    fail("torn or edited journal: checksum mismatch");
  }
  try {
    auto json = nlohmann::json::parse(body);
    JournalRecord record;
    record.transaction = json.at("transaction").get<std::string>();
    record.id = json.at("id").get<std::string>();
    record.started_at = json.at("started_at").get<std::string>();
    record.pid = pid_from(json.at("pid"));
    if (!json.at("child_pids").is_array()) fail("malformed journal: child_pids is not an array");
    for (const auto& child : json.at("child_pids")) record.child_pids.push_back(pid_from(child));
    record.outcome = journal_outcome_from_string(json.at("outcome").get<std::string>());
    record.error = json.at("error").get<std::string>();
    record.commit_phase = json.at("commit_phase").get<std::string>();
    record.context = json.at("context");
    for (const auto& phase : json.at("phases")) {
      record.phases.push_back({phase.at("name").get<std::string>(),
                               phase_state_from_string(phase.at("state").get<std::string>()), phase.at("undo"),
                               phase.at("seconds").get<double>()});
    }
    return record;
  } catch (const nlohmann::json::exception& e) {
    fail("malformed journal: {}", e.what());
  }
}

std::optional<JournalRecord> Journal::load() const {
  std::error_code error;
  if (!fs::exists(path_, error)) return std::nullopt;
  return with_context(fmt::format("journal {}", path_.string()), [&] { return decode_journal(read_file(path_)); });
}

namespace {

// Room kept for the way back.  While a transaction runs, a file of this size
// sits next to the journal; when a rollback's journal write fails (the state
// directory's filesystem is full: a dump filled it), the reserve is deleted
// and the write tried again, so the rollback can still record its steps and
// write its log.
constexpr off_t kReserveBytes = 8 << 20;

fs::path reserve_file(const fs::path& journal) { return journal.parent_path() / "journal.reserve"; }

void create_reserve(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) fail_errno(fmt::format("creating {}", file.string()));
  int error = ::posix_fallocate(fd.get(), 0, kReserveBytes);
  if (error == 0 && ::fsync(fd.get()) != 0) error = errno;
  if (int close_error = fd.close(); error == 0) error = close_error;
  if (error != 0) {
    ::unlink(file.c_str());
    fail("no room for the {} MB reserve {} that a rollback may need: {}", kReserveBytes >> 20, file.string(),
         std::strerror(error));
  }
  fsync_parent(file);
}

}  // namespace

void Journal::save(const JournalRecord& record) const {
  with_context(fmt::format("writing journal {}", path_.string()), [&] {
    fs::path reserve = reserve_file(path_);
    std::error_code error;
    bool reserved = fs::exists(reserve, error);
    // Made by a transaction's first record (before any phase acts, so no room
    // for it refuses the run with nothing changed); never made again once
    // used up.
    bool starting = record.outcome == JournalOutcome::kRunning && record.phases.empty();
    if (starting && !reserved) create_reserve(reserve);
    try {
      write_file_durably(path_, encode_journal(record), 0600);
    } catch (const Error& e) {
      // Going forward, a failed write fails the phase; the reserve is for the way back.
      if (record.outcome == JournalOutcome::kRunning || !fs::remove(reserve, error)) throw;
      spdlog::warn("journal write failed ({}); released the {} MB reserve and tried again", e.what(),
                   kReserveBytes >> 20);
      fsync_parent(reserve);
      write_file_durably(path_, encode_journal(record), 0600);
    }
    if (record.finished()) fs::remove(reserve, error);
  });
}

void Journal::remove() const {
  std::error_code error;
  fs::remove(path_, error);
  if (error) fail("removing journal {}: {}", path_.string(), error.message());
  fsync_parent(path_);
}

}  // namespace civiup
