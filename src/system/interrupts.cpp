#include "civiup/system/interrupts.hpp"

#include <csignal>
#include <cstring>

#include "civiup/base/error.hpp"

namespace civiup {
namespace {

void on_interrupt(int signal_number) { interrupt_signal().store(signal_number); }

}  // namespace

std::atomic<int>& interrupt_signal() {
  static std::atomic<int> signal_number{0};
  return signal_number;
}

void check_interrupted() {
  int signal_number = interrupt_signal().load();
  if (signal_number == 0) return;
  const char* abbreviation = sigabbrev_np(signal_number);
  if (abbreviation == nullptr) fail("interrupted by signal {}", signal_number);
  fail("interrupted by SIG{}", abbreviation);
}

void install_interrupt_handlers() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

}  // namespace civiup
