#pragma once
// Logging: spdlog's default logger writes to stderr (warnings only with -q,
// debug with -v); a run that changes the site also writes its own log file
// in the state directory for as long as a RunLog lives.  Passwords never
// reach a log: DSNs are logged redacted.
#include <filesystem>
#include <memory>

namespace spdlog::sinks {
class sink;
}

namespace civiup {

void configure_console_log(bool verbose, bool quiet);

class RunLog {
 public:
  // Starts `file` (mode 0600, parent created 0700) and adds it to the default logger.
  explicit RunLog(const std::filesystem::path& file);
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;
  const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::shared_ptr<spdlog::sinks::sink> sink_;
};

}  // namespace civiup
