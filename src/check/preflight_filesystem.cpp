// Preflight on the filesystem side: the state directory (where, which
// filesystem, RENAME_EXCHANGE, free space, an unfinished journal), the files
// directory, and the tools on PATH.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "civiup/backdrop/backdrop_config.hpp"
#include "civiup/backdrop/site_admin.hpp"
#include "civiup/backdrop/upgrader.hpp"
#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/site/site_snapshot.hpp"
#include "civiup/system/child_process.hpp"
#include "civiup/system/directory_swap.hpp"
#include "civiup/system/paths.hpp"
#include "civiup/transaction/journal.hpp"
#include "civiup/transaction/state_dir.hpp"
#include "civiup/transaction/state_trash.hpp"
#include "preflight_checks.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace preflight_detail {
namespace {

// The nearest existing ancestor: the state directory need not exist yet.
fs::path existing_ancestor(fs::path path) {
  std::error_code error;
  while (!fs::exists(path, error) && path.has_parent_path() && path.parent_path() != path) path = path.parent_path();
  return path;
}

std::string megabytes(uint64_t bytes) { return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6); }

// Another civiup holds the state directory's lock (StateLock: flock on
// <state>/lock, which holds its pid).  Probed without creating or writing it.
void check_not_in_use(const fs::path& state) {
  fs::path lock = state / "lock";
  UniqueFd fd(::open(lock.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return;  // never locked
  bool busy = ::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  char holder[32] = {};
  ssize_t n = busy ? ::pread(fd.get(), holder, sizeof holder - 1, 0) : 0;
  fd.reset();  // releases our shared lock, if we got it
  if (busy) {
    std::string pid = n > 0 ? std::string(holder, static_cast<size_t>(n)) : "unknown";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    fail("state directory {}: in use by another civiup (pid {})", state.string(), pid);
  }
}

void check_journal(const fs::path& state) {
  auto record = Journal(journal_file(state)).load();
  if (record && !record->finished()) {
    fail("state directory {}: an unfinished {} (id {}) is in its journal: run `civiup recover` first", state.string(),
         record->transaction, record->id);
  }
}

// The RENAME_EXCHANGE probe creates and removes two directories in `dir`;
// putting back dir's times afterwards keeps `check` from touching even those
// (only the ctime moves, which no one can set).
bool exchange_supported_leaving_no_trace(const fs::path& dir) {
  struct stat before {};
  bool have_times = ::stat(dir.c_str(), &before) == 0;
  bool supported = exchange_supported(dir);
  if (have_times) {
    const struct timespec times[2] = {before.st_atim, before.st_mtim};
    ::utimensat(AT_FDCWD, dir.c_str(), times, 0);
  }
  return supported;
}

// Dumps of every database, the staged release, and code snapshots of the old
// and the new tree: a conservative estimate (dumps are compressed, git packs).
uint64_t needed_bytes(const PreflightReport& report) {
  uint64_t total = 2 * report.release_bytes + directory_bytes(report.root / "modules" / "civicrm");
  for (const DatabaseReport& database : report.databases) total += database.bytes;
  return total;
}

}  // namespace

void check_state_dir(PreflightReport& report, const PreflightOptions& options) {
  StateDirReport& state = report.state_dir;
  state.path = resolve_state_dir(report.root, options.state_dir);
  fs::path real_state = fs::weakly_canonical(state.path);
  fs::path modules = report.root / "modules";
  state.outside_modules = !inside_or_same(real_state, fs::weakly_canonical(modules));
  state.outside_web_root = !inside_or_same(real_state, fs::weakly_canonical(report.root));
  const std::string name = fmt::format("state directory {}", state.path.string());
  if (!state.outside_modules) {
    report.problems.push_back(fmt::format(
        "{}: inside modules/ (Backdrop scans it for modules, and a swap cannot move a tree into itself); use "
        "--state-dir",
        name));
  } else if (!state.outside_web_root) {
    report.problems.push_back(
        fmt::format("{}: inside the web root {} (it holds database dumps with personal data); use --state-dir", name,
                    report.root.string()));
  }
  std::error_code error;
  state.exists = fs::exists(state.path, error);
  if (state.exists && !fs::is_directory(state.path, error)) {
    report.problems.push_back(fmt::format("{}: exists and is not a directory", name));
    return;
  }
  fs::path probe_dir = state.exists ? state.path : existing_ancestor(state.path);
  as_problem(report, [&] {
    state.same_filesystem = same_filesystem(probe_dir, modules);
    if (!state.same_filesystem) {
      fail("{}: not on the filesystem of {} (the code swap is a rename); use --state-dir", name, modules.string());
    }
  });
  as_problem(report, [&] {
    state.exchange_supported = exchange_supported_leaving_no_trace(probe_dir);
    if (!*state.exchange_supported) {
      fail("{}: its filesystem refuses renameat2(RENAME_EXCHANGE), which the atomic code swap needs", name);
    }
  });
  if (state.exists) {
    // A running civiup first; its journal is unfinished as a matter of course.
    bool free = as_problem(report, [&] { check_not_in_use(state.path); });
    if (free) as_problem(report, [&] { check_journal(state.path); });
  }
  std::error_code space_error;
  fs::space_info space = fs::space(probe_dir, space_error);
  if (!space_error) state.free_bytes = space.available;
  state.needed_bytes = needed_bytes(report);
  if (state.exists) {
    TrashInfo trash = inspect_trash(state.path);
    state.trash_bytes = trash.bytes;
    state.trash_deleter_pid = trash.deleter_pid;
  }
  if (state.free_bytes + state.trash_bytes < state.needed_bytes) {
    report.problems.push_back(fmt::format(
        "{}: {} free on its filesystem, about {} needed (database dumps, the staged release, code snapshots)", name,
        megabytes(state.free_bytes + state.trash_bytes), megabytes(state.needed_bytes)));
  } else if (state.free_bytes < state.needed_bytes) {
    report.notes.push_back(fmt::format("{}: the upgrade first empties its trash ({}) to have the {} it needs", name,
                                       megabytes(state.trash_bytes), megabytes(state.needed_bytes)));
  }
}

void check_files_dir(PreflightReport& report, const std::optional<BackdropSettings>& backdrop,
                     const std::optional<CiviCrmSettings>& civicrm, DatabaseSession* backdrop_db) {
  std::optional<std::string> configured;
  if (backdrop && backdrop->config_in_database && backdrop_db != nullptr) {
    try {
      auto config = ActiveConfig(*backdrop, backdrop_db).read("system.core");
      if (auto it = config.find("file_public_path"); it != config.end() && it->is_string()) configured = *it;
    } catch (const std::exception&) {
      // An unreadable config row is reported by the front-page check.
    }
  }
  report.files_dir = backdrop ? public_files_dir(report.root, *backdrop, configured) : report.root / "files";
  struct stat info {};
  if (::stat(report.files_dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    report.problems.push_back(fmt::format("files directory {}: not found", report.files_dir.string()));
    return;
  }
  // The web server owns it as a rule; it (and civiup, which clears templates_c) must be able to write.
  report.files_writable = (info.st_mode & S_IWUSR) != 0 && ::access(report.files_dir.c_str(), W_OK) == 0;
  if (!report.files_writable) {
    report.problems.push_back(fmt::format("files directory {}: not writable (mode {:o}, owner uid {})",
                                          report.files_dir.string(), info.st_mode & 07777, info.st_uid));
  }
  if (civicrm) {
    fs::path templates = civicrm->template_compile_dir;
    std::error_code error;
    if (fs::exists(templates, error) && ::access(templates.c_str(), W_OK) != 0) {
      report.problems.push_back(fmt::format("CIVICRM_TEMPLATE_COMPILEDIR {}: not writable", templates.string()));
    }
  }
  // A later rollback exchanges the snapshot's paths by rename (restore-files).
  if (backdrop && civicrm && !report.state_dir.path.empty()) {
    std::vector<std::string> paths = site_code_snapshot_spec(report.root, *backdrop, *civicrm).paths;
    if (auto why = unrestorable_path(report.root, paths, report.state_dir.path)) {
      report.problems.push_back(*why + "; a rollback could not restore it");
    }
  }
}

void check_tools(PreflightReport& report, const PreflightOptions& options) {
  for (const char* tool : {"bee", "drush", "cv"}) report.tools[tool] = find_on_path(tool);
  // The command the upgrade would run, chosen as plan_upgrade chooses it (upgrader.hpp).
  as_problem(report, [&] {
    fs::path runner = report.state_dir.path / "staging" / "RUN-ID" / kUpgradeRunnerName;
    Upgrader upgrader = choose_upgrader(options.db_upgrade, bee_for_run(options.bee), report.root, runner);
    report.upgrader = upgrader.to_json();
    if (upgrader.kind.empty()) {
      fail("no DB upgrade command: {}; install php (or cv) or pass --db-upgrade CMD", upgrader.reason);
    }
    if (!find_on_path(upgrader.argv.front()))
      fail("--db-upgrade: {} not found (or not executable)", upgrader.argv.front());
    report.db_upgrade_command = upgrader.argv;
  });
  if (!report.tools["bee"]) {
    report.notes.push_back("bee is not on PATH: maintenance mode and modules are changed directly in SQL");
  }
}

}  // namespace preflight_detail
}  // namespace civiup
