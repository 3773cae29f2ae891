#include "civiup/system/terminal_progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "civiup/system/fault_point.hpp"
#include "civiup/system/interrupts.hpp"

namespace civiup {
namespace {

using Clock = std::chrono::steady_clock;

// The one line on the terminal: the step being shown, its counts, and a
// ticker that redraws it (elapsed time moves even when no unit finishes).
class Display {
 public:
  static Display& instance() {
    static Display display;
    return display;
  }

  std::atomic<bool> enabled{false};

  void begin(std::string_view step, uint64_t total, std::string_view unit) {
    std::lock_guard lock(mutex_);
    step_ = step;
    unit_ = unit;
    total_ = total;
    done_ = 0;
    bytes_ = 0;
    started_ = Clock::now();
    last_draw_ = {};
    ++depth_;
    if (enabled && !ticker_.joinable()) {
      stop_ = false;
      ticker_ = std::thread([this] { tick(); });
    }
    draw_locked(true);
  }

  void advance(uint64_t units, uint64_t bytes) {
    std::lock_guard lock(mutex_);
    done_ += units;
    bytes_ += bytes;
    draw_locked(false);
  }

  void end() {
    std::thread ticker;
    std::string summary;
    {
      std::lock_guard lock(mutex_);
      double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
      summary = fmt::format("{} ({:.2f} s)", progress_line(step_, done_, total_, unit_, bytes_, seconds), seconds);
      if (depth_ > 0) --depth_;
      if (depth_ == 0) {
        clear_locked();
        stop_ = true;
        ticker = std::move(ticker_);
      }
    }
    wake_.notify_all();
    if (ticker.joinable()) ticker.join();
    spdlog::debug("{}", summary);  // not under the mutex: the console sink clears the line through it
  }

  void clear() {
    std::lock_guard lock(mutex_);
    clear_locked();
  }

 private:
  void tick() {
    std::unique_lock lock(mutex_);
    while (!stop_) {
      wake_.wait_for(lock, std::chrono::milliseconds(250));
      if (!stop_) draw_locked(true);
    }
  }

  void draw_locked(bool force) {
    if (!enabled || depth_ == 0) return;
    Clock::time_point now = Clock::now();
    if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    std::string line =
        progress_line(step_, done_, total_, unit_, bytes_, std::chrono::duration<double>(now - started_).count());
    winsize size{};
    size_t width = ::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 1 ? size.ws_col - 1 : 79;
    if (line.size() > width) line.resize(width);
    std::string out = "\r" + line + "\033[K";
    (void)!::write(STDERR_FILENO, out.data(), out.size());
    shown_ = true;
  }

  void clear_locked() {
    if (!shown_) return;
    static constexpr char kClear[] = "\r\033[K";
    (void)!::write(STDERR_FILENO, kClear, sizeof kClear - 1);
    shown_ = false;
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread ticker_;
  bool stop_ = false;
  bool shown_ = false;
  int depth_ = 0;
  std::string step_;
  std::string unit_;
  uint64_t total_ = 0;
  uint64_t done_ = 0;
  uint64_t bytes_ = 0;
  Clock::time_point started_;
  Clock::time_point last_draw_;
};

std::string megabytes(uint64_t bytes) {
  double mb = static_cast<double>(bytes) / 1e6;
  return mb < 10 ? fmt::format("{:.1f} MB", mb) : fmt::format("{:.0f} MB", mb);
}

}  // namespace

void enable_progress_display(bool enabled) { Display::instance().enabled = enabled; }
bool progress_display_enabled() { return Display::instance().enabled; }
void clear_progress_line() {
  if (progress_display_enabled()) Display::instance().clear();
}

std::string progress_line(std::string_view step, uint64_t done, uint64_t total, std::string_view unit, uint64_t bytes,
                          double seconds) {
  std::string line(step);
  std::string separator = ": ";
  if (total > 0) {
    line += fmt::format("{}{}/{} {}", separator, done, total, unit);
    separator = ", ";
  } else if (done > 0) {
    line += fmt::format("{}{} {}", separator, done, unit);
    separator = ", ";
  }
  if (bytes > 0) {
    line += separator + megabytes(bytes);
    if (seconds >= 0.5)
      line += fmt::format(", {}/s", megabytes(static_cast<uint64_t>(static_cast<double>(bytes) / seconds)));
    separator = ", ";
  }
  if (separator == ": ") line += fmt::format(": {:.0f} s", seconds);
  return line;
}

PhaseProgress::PhaseProgress(std::string phase, StepOf step_of) : phase_(std::move(phase)), step_of_(step_of) {}

void PhaseProgress::reached() const {
  if (step_of_ == StepOf::kUndo) {
    fault_point(phase_, "undo-inside");
    return;
  }
  fault_point(phase_, "inside");
  check_interrupted();
}

PhaseProgress::~PhaseProgress() {
  if (active_) Display::instance().end();
}

void PhaseProgress::begin(std::string_view step, uint64_t total, std::string_view unit) {
  if (active_.exchange(true)) Display::instance().end();  // a new step without end() of the last
  Display::instance().begin(step, total, unit);
  reached();
}

void PhaseProgress::advance(uint64_t units, uint64_t bytes) {
  if (active_) Display::instance().advance(units, bytes);
  reached();
}

void PhaseProgress::end() {
  if (active_.exchange(false)) Display::instance().end();
}

}  // namespace civiup
