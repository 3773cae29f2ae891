// Phase 5: both databases are dumped (the snapshot library's consistent,
// checksummed dump) once the site is offline, so nothing the site writes can
// be lost by a rollback.  When Backdrop and CiviCRM share one database it is
// dumped once.  The upgrade-database phase restores from these dumps.
#include <spdlog/spdlog.h>

#include "civiup/snapshot/db/database_dump.hpp"
#include "civiup/snapshot/error.hpp"
#include "civiup/terminal_progress.hpp"
#include "upgrade/phases/world_phase.hpp"

namespace civiup::phases {
namespace {
namespace fs = std::filesystem;

class SnapshotDatabasesPhase final : public WorldPhase {
 public:
  explicit SnapshotDatabasesPhase(UpgradeWorld& world) : WorldPhase(world, "snapshot-databases") {}

  void apply(UndoLog& undo) override {
    fs::path dumps = world_.run().dumps_dir();
    undo.record("dumps_dir", dumps.string());
    fs::create_directories(dumps);
    fs::permissions(dumps, fs::perms::owner_all, fs::perm_options::replace);
    dump(world_.civicrm_settings().dsn, dumps / "civicrm");
    if (!world_.shared_database()) dump(world_.backdrop_settings().database, dumps / "backdrop");
  }

  // The dumps of a rolled-back run are of no further use and hold personal data.
  void undo(const nlohmann::json& data) override {
    if (!data.contains("dumps_dir")) return;
    remove_tree(data["dumps_dir"].get<std::string>());
  }

 private:
  void dump(const DatabaseDsn& dsn, const fs::path& dir) {
    std::error_code error;
    fs::remove_all(dir, error);  // an interrupted earlier attempt of this phase
    PhaseProgress progress(name());
    snapshot::db::DumpOptions options;
    options.progress = &progress;
    snapshot::db::DumpManifest manifest = snapshot::db::dump_database(database_login(dsn), dsn.database, dir, options);
    spdlog::info("dumped {} ({} tables, {} bytes) in {:.1f} s", dsn.redacted(), manifest.tables.size(),
                 manifest.total_bytes(), manifest.seconds);
  }
};

}  // namespace

std::unique_ptr<Phase> snapshot_databases(UpgradeWorld& world) {
  return std::make_unique<SnapshotDatabasesPhase>(world);
}

}  // namespace civiup::phases
