#pragma once
// Progress: what a long step (a code snapshot or restore, a dump, a restore,
// an extraction) tells its caller as it goes.  The caller turns it into a
// progress line on a terminal, a log line, or a fault point of the crash tests
// (civiup's phases arm "<phase>:inside" through it).
//
// Calls may come from several worker threads at once: implementations must be
// thread-safe.  Any call may throw (an injected fault, an interrupt); the step
// then fails exactly as on any other error, so a long step calls it only where
// failing is safe (between objects, never while holding a half-written file
// that the failure path would not clean up).
#include <cstdint>
#include <string_view>

namespace civiup {

class Progress {
 public:
  virtual ~Progress() = default;

  // A long step starts.  `step` names it for a person ("dumping civicrm",
  // "restoring code"); `total` is the number of units when known (0: unknown);
  // `unit` names them ("tables", "files", "entries").
  virtual void begin(std::string_view step, uint64_t total, std::string_view unit) {
    (void)step, (void)total, (void)unit;
  }

  // `units` more units done (may be 0), and `bytes` more bytes read or written.
  virtual void advance(uint64_t units, uint64_t bytes) { (void)units, (void)bytes; }

  // The step ended (successfully or not).
  virtual void end() {}
};

// A Progress that ignores everything: the default of every option struct.
inline Progress& no_progress() {
  static Progress ignore;
  return ignore;
}

}  // namespace civiup
