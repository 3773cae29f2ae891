// civiup check's engine: the site, the release, every database, the versions,
// then the filesystem side — every problem collected, nothing changed.
#include "civiup/check/preflight.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/release/release.hpp"
#include "civiup/site/version_number.hpp"
#include "preflight_checks.hpp"

namespace civiup {
namespace fs = std::filesystem;
using namespace preflight_detail;

namespace {

std::optional<Version> check_release(PreflightReport& report, const PreflightOptions& options,
                                     std::optional<std::string>& compatibility) {
  std::optional<Version> version;
  as_problem(report, [&] {
    ReleaseTarball release = ReleaseTarball::verify(fs::absolute(options.release_file));
    version = *release.version();
    compatibility = release.extension_compatibility();
    report.release_version = version->str();
    report.release_files += release.file_count();
    report.release_bytes += release.unpacked_bytes();
  });
  if (options.l10n_file) {
    as_problem(report, [&] {
      ReleaseTarball l10n = ReleaseTarball::verify(fs::absolute(*options.l10n_file), TarballKind::kL10n);
      report.release_files += l10n.file_count();
      report.release_bytes += l10n.unpacked_bytes();
    });
  }
  return version;
}

// Every database of the site (site_databases(): CiviCRM, Backdrop, logging,
// each once): reachable, privileged, measured; then the CiviCRM version and
// Backdrop's state.  Backdrop's coordinates come from settings.php (what
// Backdrop itself uses).  The sessions stay open in `sessions`; returns the
// Backdrop database's (null when unreachable or unknown).
DatabaseSession* check_databases(PreflightReport& report, const std::optional<BackdropSettings>& backdrop,
                                 const std::optional<CiviCrmSettings>& civicrm, std::optional<Version>& version,
                                 std::vector<std::unique_ptr<DatabaseSession>>& sessions) {
  std::vector<SiteDatabase> databases;
  if (backdrop && civicrm) {
    databases = site_databases(*backdrop, *civicrm);
  } else if (civicrm) {
    databases.push_back({{"civicrm"}, civicrm->dsn});
  } else if (backdrop) {
    databases.push_back({{"backdrop"}, backdrop->database});
  }
  DatabaseSession* backdrop_db = nullptr;
  for (const SiteDatabase& database : databases) {
    sessions.push_back(check_database(report, database.label(), database.dsn));
    report.databases.back().roles = database.roles;
    DatabaseSession* session = sessions.back().get();
    if (session == nullptr) continue;
    if (database.role() == "civicrm") {
      as_problem(report, [&] {
        version = read_database_version(*session);
        report.db_version = version->str();
      });
    }
    if (std::find(database.roles.begin(), database.roles.end(), "backdrop") != database.roles.end()) {
      backdrop_db = session;
    }
  }
  if (civicrm && backdrop && !civicrm->uf_dsn.same_database(backdrop->database)) {
    report.notes.push_back(fmt::format("CIVICRM_UF_DSN ({}) names another database than settings.php ({})",
                                       civicrm->uf_dsn.redacted(), backdrop->database.redacted()));
  }
  if (backdrop) check_backdrop_state(report, backdrop_db, *backdrop);
  return backdrop_db;
}

}  // namespace

PreflightReport run_preflight(const PreflightOptions& options) {
  PreflightReport report;
  report.root = find_backdrop_root(options.root, options.cwd);  // no site, nothing to check
  report.plan_phases = options.plan_phases;

  std::optional<BackdropSettings> backdrop;
  std::optional<CiviCrmSettings> civicrm;
  std::optional<Version> code;
  as_problem(report, [&] { backdrop = read_backdrop_settings(report.root); });
  as_problem(report, [&] { civicrm = read_civicrm_settings(report.root); });
  as_problem(report, [&] {
    fs::path civicrm_dir = report.root / "modules" / "civicrm";
    if (fs::is_symlink(civicrm_dir)) {
      // The swap exchanges directory entries and staging copies the old tree's
      // owner and modes: a link would be replaced, not followed.
      report.problems.push_back(
          fmt::format("{}: a symlink (to {}); civiup swaps directories: replace the link by the tree it points to",
                      civicrm_dir.string(), fs::read_symlink(civicrm_dir).string()));
    }
    if (!fs::is_directory(civicrm_dir)) {
      fail("{}: not found (civiup upgrades CiviCRM installed in modules/civicrm)", civicrm_dir.string());
    }
    code = read_code_version(civicrm_dir);
    report.code_version = code->str();
  });

  std::optional<std::string> compatibility;
  std::optional<Version> release = check_release(report, options, compatibility);
  std::optional<Version> database;
  std::vector<std::unique_ptr<DatabaseSession>> sessions;
  DatabaseSession* backdrop_db = check_databases(report, backdrop, civicrm, database, sessions);
  if (code && database && release) {
    for (std::string& problem : upgrade_version_problems(*code, *database, *release, options.force)) {
      report.problems.push_back(std::move(problem));
    }
  }
  // Each check records its own problems; anything unexpected (a filesystem
  // error) becomes one more problem instead of hiding the rest.
  if (backdrop) as_problem(report, [&] { check_frontpage(report, *backdrop, backdrop_db); });
  as_problem(report, [&] { check_state_dir(report, options); });
  as_problem(report, [&] { check_files_dir(report, backdrop, civicrm, backdrop_db); });
  as_problem(report, [&] { check_tools(report, options); });
  if (backdrop && civicrm) as_problem(report, [&] { check_extensions(report, *backdrop, *civicrm, compatibility); });
  return report;
}

}  // namespace civiup
