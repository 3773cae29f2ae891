#pragma once
// Backdrop operations around an upgrade, done the way an administrator would:
// through bee when it is there (it runs Backdrop's hooks: hook_disable,
// hook_enable, cache flushes), else directly in SQL (BackdropDatabase, which
// clears the cache rows DESIGN.md names).  bee exits 0 even when it failed, so
// after every bee call the resulting state is read back from the database and
// a mismatch is an error naming the command.  Values that must come back byte
// for byte (the raw maintenance_mode state, a module's raw status) are always
// finished in SQL.  With a BackdropSession (one bootstrapped PHP process that
// takes commands, started before the window) the same Backdrop calls run there
// instead of one bee process (one bootstrap) each, checked the same way.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "civiup/backdrop/backdrop_admin.hpp"
#include "civiup/backdrop/backdrop_session.hpp"

namespace civiup {

class SiteAdmin {
 public:
  // `bee` is the bee command line (empty: SQL only); it runs as
  // `bee --root=ROOT --yes COMMAND ...` with `root` as its working directory.
  // `sql_fallback`: a failing bee call is logged and the SQL form is used
  // instead (undo must not stop because bee broke; its SQL form is exact).
  // `session`, when not null, replaces the bee calls.
  SiteAdmin(BackdropDatabase database, std::vector<std::string> bee, std::filesystem::path root,
            bool sql_fallback = false, BackdropSession* session = nullptr);

  bool uses_bee() const { return !bee_.empty() || session_ != nullptr; }

  void maintenance_on();
  // Puts back the raw `state` value (nullopt: no row), through bee's "off" first
  // when the value means off.
  void restore_maintenance(const std::optional<std::string>& raw);

  void disable_module(const std::string& name);
  // Enables it and puts back its raw `system.status`.
  void enable_module(const std::string& name, const std::string& raw_status);

  void clear_caches();

  BackdropDatabase& database() { return database_; }

 private:
  // Runs bee and checks the result with `verify` (false: bee said yes but did not).
  // `session_command` is the same operation for the BackdropSession.
  void run_bee(const std::vector<std::string>& arguments, bool (*verify)(SiteAdmin&, const std::string&),
               const std::string& subject, const std::string& session_command);
  BackdropDatabase database_;
  std::vector<std::string> bee_;
  std::filesystem::path root_;
  bool sql_fallback_ = false;
  BackdropSession* session_ = nullptr;
};

// bee from PATH when both bee and php (bee's interpreter) are there; else empty.
std::vector<std::string> detect_bee();

// The bee a run uses: --bee's command line, none for "none", else detect_bee().
std::vector<std::string> bee_for_run(const std::string& option);

}  // namespace civiup
