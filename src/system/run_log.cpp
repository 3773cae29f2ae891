#include "civiup/system/run_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/system/terminal_progress.hpp"

namespace civiup {
namespace {

// stderr, but a progress line on the terminal is erased before each log line
// (the next tick of the progress display draws it again below).
class ConsoleSink final : public spdlog::sinks::sink {
 public:
  ConsoleSink() : inner_(std::make_shared<spdlog::sinks::stderr_color_sink_mt>()) {}
  void log(const spdlog::details::log_msg& message) override {
    if (!should_log(message.level)) return;
    clear_progress_line();
    inner_->log(message);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    inner_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<spdlog::sinks::stderr_color_sink_mt> inner_;
};

// This process's command line, from /proc (civiup takes no password on it:
// DSNs come from the settings files).
std::string own_command_line() {
  std::string text;
  try {
    text = read_file("/proc/self/cmdline");
  } catch (const std::exception&) {
    return "(unknown)";
  }
  while (!text.empty() && text.back() == '\0') text.pop_back();
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

}  // namespace

void configure_console_log(bool verbose, bool quiet) {
  auto console = std::make_shared<ConsoleSink>();
  console->set_level(quiet ? spdlog::level::warn : (verbose ? spdlog::level::debug : spdlog::level::info));
  console->set_pattern(verbose ? "%^civiup: %H:%M:%S.%e %v%$" : "%^civiup: %v%$");
  auto logger = std::make_shared<spdlog::logger>("civiup", spdlog::sinks_init_list{console});
  logger->set_level(spdlog::level::debug);
  // A log line that cannot be written (the state directory's disk is full)
  // is said once and never stops the run: the transaction matters more.
  logger->set_error_handler([](const std::string& message) {
    static std::atomic<bool> said{false};
    if (!said.exchange(true)) std::fprintf(stderr, "civiup: the run log cannot be written: %s\n", message.c_str());
  });
  spdlog::set_default_logger(logger);
}

RunLog::RunLog(const std::filesystem::path& file) : file_(file) {
  std::error_code error;
  std::filesystem::create_directories(file.parent_path(), error);
  if (error) fail("creating {}: {}", file.parent_path().string(), error.message());
  std::filesystem::permissions(file.parent_path(), std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, error);
  // Create it private before spdlog opens it (logs name tables and paths).
  UniqueFd created(::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!created) fail_errno(fmt::format("creating log file {}", file.string()));
  created.reset();
  sink_ = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string());
  sink_->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  sink_->set_level(spdlog::level::debug);
  spdlog::default_logger()->sinks().push_back(sink_);
  spdlog::debug("command: {}", own_command_line());
}

RunLog::~RunLog() {
  auto& sinks = spdlog::default_logger()->sinks();
  std::erase(sinks, sink_);
  // A full disk must not turn the end of a run into std::terminate: the run's
  // outcome is already on stdout, and the log is a copy of what stderr said.
  try {
    sink_->flush();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "civiup: could not finish the log %s: %s\n", file_.c_str(), e.what());
  }
}

}  // namespace civiup
