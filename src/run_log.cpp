#include "civiup/run_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>

#include "civiup/snapshot/error.hpp"

namespace civiup {

void configure_console_log(bool verbose, bool quiet) {
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_level(quiet ? spdlog::level::warn : (verbose ? spdlog::level::debug : spdlog::level::info));
  console->set_pattern("%^civiup: %v%$");
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
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) fail_errno(fmt::format("creating log file {}", file.string()));
  ::close(fd);
  sink_ = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string());
  sink_->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  sink_->set_level(spdlog::level::debug);
  spdlog::default_logger()->sinks().push_back(sink_);
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
