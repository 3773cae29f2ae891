#pragma once
// What the upgrade phases act on, opened lazily from an UpgradeRun: the site's
// settings, both database sessions, the snapshot repositories.  The same world
// is rebuilt by `civiup recover` from the journal alone.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "civiup/backdrop/backdrop_admin.hpp"
#include "civiup/backdrop/backdrop_config.hpp"
#include "civiup/backdrop/backdrop_session.hpp"
#include "civiup/backdrop/site_admin.hpp"
#include "civiup/site/database_session.hpp"
#include "civiup/site/site.hpp"
#include "civiup/snapshot/code/code_repository.hpp"
#include "civiup/snapshot/db/database_login.hpp"
#include "civiup/upgrade/upgrade_run.hpp"

namespace civiup {

class UpgradeWorld {
 public:
  explicit UpgradeWorld(UpgradeRun run);
  ~UpgradeWorld();
  UpgradeWorld(const UpgradeWorld&) = delete;
  UpgradeWorld& operator=(const UpgradeWorld&) = delete;

  const UpgradeRun& run() const { return run_; }
  const BackdropSettings& backdrop_settings() const { return backdrop_settings_; }
  const CiviCrmSettings& civicrm_settings() const { return civicrm_settings_; }
  std::filesystem::path civicrm_dir() const { return run_.root / "modules" / "civicrm"; }
  std::filesystem::path modules_dir() const { return run_.root / "modules"; }

  // Backdrop and CiviCRM share one database (CIVICRM_DSN names the Backdrop one).
  bool shared_database() const;
  // Every database of the site, deduplicated (site_databases()).
  std::vector<SiteDatabase> databases() const { return site_databases(backdrop_settings_, civicrm_settings_); }
  DatabaseSession& civicrm_db();
  DatabaseSession& backdrop_db();
  BackdropDatabase backdrop() { return BackdropDatabase(backdrop_db(), backdrop_settings_.table_prefix); }
  // The active config, in files or (connecting then) in the Backdrop database.
  ActiveConfig active_config() {
    return ActiveConfig(backdrop_settings_, backdrop_settings_.config_in_database ? &backdrop_db() : nullptr);
  }
  // Backdrop operations through bee when the run uses it (undo: bee failures fall back to SQL).
  SiteAdmin admin(bool for_undo = false) {
    return SiteAdmin(backdrop(), run_.bee_argv, run_.root, for_undo, backdrop_session_.get());
  }
  // The Backdrop session (backdrop_session.hpp) for the next group of steps,
  // when the run uses bee: started (and left bootstrapping) by
  // start_backdrop_session, waited for by wait_backdrop_session, ended by
  // end_backdrop_session before the code under it changes.  Without bee,
  // nothing: the steps are SQL.
  void start_backdrop_session();
  void wait_backdrop_session();
  void end_backdrop_session() { backdrop_session_.reset(); }
  // Sessions are reopened after a restore replaced what they had cached.
  void reconnect();

  snapshot::CodeRepository& code_repository();

  // Called with the process group of every child that may change the site,
  // before it can act (the transaction journals it for recover).
  std::function<void(pid_t)> on_child_start;

 private:
  UpgradeRun run_;
  BackdropSettings backdrop_settings_;
  CiviCrmSettings civicrm_settings_;
  std::unique_ptr<DatabaseSession> civicrm_db_;
  std::unique_ptr<DatabaseSession> backdrop_db_;
  std::optional<snapshot::CodeRepository> code_repository_;
  std::unique_ptr<BackdropSession> backdrop_session_;
};

}  // namespace civiup
