#include "civiup/upgrade/upgrade_world.hpp"

#include "civiup/backdrop/upgrader.hpp"

namespace civiup {
namespace fs = std::filesystem;

UpgradeWorld::UpgradeWorld(UpgradeRun run)
    : run_(std::move(run)),
      backdrop_settings_(read_backdrop_settings(run_.root)),
      civicrm_settings_(read_civicrm_settings(run_.root)) {}

UpgradeWorld::~UpgradeWorld() = default;

bool UpgradeWorld::shared_database() const { return civicrm_settings_.dsn.same_database(backdrop_settings_.database); }

DatabaseSession& UpgradeWorld::civicrm_db() {
  if (!civicrm_db_) civicrm_db_ = connect_database(civicrm_settings_.dsn);
  return *civicrm_db_;
}

DatabaseSession& UpgradeWorld::backdrop_db() {
  if (!backdrop_db_) backdrop_db_ = connect_database(backdrop_settings_.database);
  return *backdrop_db_;
}

void UpgradeWorld::start_backdrop_session() {
  if (run_.bee_argv.empty() || backdrop_session_) return;
  fs::path program = run_.staging_dir() / "civiup-backdrop.php";
  write_php_program(program, kBackdropSessionPhp);
  std::vector<std::string> argv = run_.bee_argv;
  argv.push_back("--root=" + run_.root.string());
  argv.push_back("php-script");
  argv.push_back(program.string());
  backdrop_session_ = std::make_unique<BackdropSession>(argv, run_.root);
}

void UpgradeWorld::wait_backdrop_session() {
  if (backdrop_session_) backdrop_session_->wait_ready();
}

void UpgradeWorld::reconnect() {
  civicrm_db_.reset();
  backdrop_db_.reset();
}

snapshot::CodeRepository& UpgradeWorld::code_repository() {
  if (!code_repository_) code_repository_ = snapshot::CodeRepository::open(run_.code_repository());
  return *code_repository_;
}

}  // namespace civiup
