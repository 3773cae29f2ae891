#pragma once
// civiup's side of Progress (base/include/civiup/base/progress.hpp).
// Every long step of a phase reports through a PhaseProgress, which
//   - draws one updating line on stderr ("dumping civicrm: 12/47 tables,
//     85 MB, 41 MB/s"; a step without counts shows its elapsed time) when the
//     display is enabled: stderr is a terminal and neither -q nor --json;
//   - arms the fault point "<phase>:inside" of the crash tests on every
//     begin and advance (fault_point.hpp: CIVIUP_FAULT=<phase>:inside[@N][:kill]);
//     in an undo "<phase>:undo-inside";
//   - stops an apply's step on SIGINT/SIGTERM (check_interrupted);
//   - logs each step's end with its counts and duration (debug level).
// Log lines written while a progress line is shown clear it first.
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "civiup/base/progress.hpp"

namespace civiup {

// Set once by the CLI; off by default (tests, library use).
void enable_progress_display(bool enabled);
bool progress_display_enabled();

// Erases a progress line from the terminal (before a log line goes there).
void clear_progress_line();

// "dumping civicrm: 12/47 tables, 85 MB, 41 MB/s"; without counts or bytes
// "upgrading the database: 12 s".
std::string progress_line(std::string_view step, uint64_t done, uint64_t total, std::string_view unit, uint64_t bytes,
                          double seconds);

// Whether a step belongs to a phase's apply or to its undo.  An undo is never
// interrupted (SIGINT/SIGTERM started it and must not stop it) and has its own
// fault point, "<phase>:undo-inside".
enum class StepOf { kApply, kUndo };

class PhaseProgress final : public Progress {
 public:
  explicit PhaseProgress(std::string phase, StepOf step_of = StepOf::kApply);
  ~PhaseProgress() override;
  PhaseProgress(const PhaseProgress&) = delete;
  PhaseProgress& operator=(const PhaseProgress&) = delete;

  void begin(std::string_view step, uint64_t total, std::string_view unit) override;
  void advance(uint64_t units, uint64_t bytes) override;
  void end() override;

 private:
  void reached() const;

  std::string phase_;
  StepOf step_of_;
  std::atomic<bool> active_{false};
};

}  // namespace civiup
