#pragma once
// SIGINT and SIGTERM: the handlers only note the signal.  A transaction stops
// before its next phase and undoes; long steps (dumps, child processes) poll
// check_interrupted() and end with an error that names the signal.
#include <atomic>

namespace civiup {

// The signal that arrived (0: none).
std::atomic<int>& interrupt_signal();
void check_interrupted();  // throws "interrupted by SIGTERM" when a signal arrived
void install_interrupt_handlers();

}  // namespace civiup
