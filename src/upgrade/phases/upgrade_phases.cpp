#include "upgrade/phases/upgrade_phases.hpp"

#include <chrono>
#include <iterator>
#include <span>

#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"
#include "civiup/system/process_memory.hpp"

namespace civiup::phases {
namespace {

using Factory = std::unique_ptr<Phase> (*)(UpgradeWorld&, std::string);

// One row per phase of a transaction, in the order it runs: its name (the
// journal's, check's plan, --json's and the tests'), its factory, and why it
// is there (check prints it).  The upgrade and the rollback are spans over this one table; the
// phases they share appear in each, with the reason it has there.
struct PhaseRow {
  const char* name;
  Factory make;
  const char* why;
};

constexpr PhaseRow kPhases[] = {
    // The upgrade (DESIGN.md §3): online first, then the window.
    {"preflight", preflight, "the code and databases are still those the plan judged"},
    {"stage-release", stage_release, "the release unpacked outside modules/, with the old tree's owner and modes"},
    {"snapshot-code", snapshot_code, "the code, settings, config and files/civicrm as they are, to go back to"},
    {"pre-snapshot-databases", pre_snapshot_databases, "a full dump online, so the window dumps only what changes"},
    {"maintenance-on", maintenance_on, "no visitor sees a half-upgraded site"},
    {"snapshot-databases", snapshot_databases, "every database at the last moment before the upgrade changes it"},
    {"frontpage-off", frontpage_off, "a CiviCRM front page would fail while CiviCRM is swapped"},
    {"disable-integrations", disable_integrations, "modules that call CiviCRM rest while it changes"},
    {"swap-code", swap_code, "the new tree takes modules/civicrm's place in one rename"},
    {"permissions", permissions, "the new tree belongs to the site; templates_c stays writable"},
    {"clear-templates", clear_templates, "templates compiled for the old release must not be used"},
    {"upgrade-database", upgrade_database, "CiviCRM's own database upgrade, to exactly the target version"},
    {"enable-integrations", enable_integrations, "the integrations back, in dependency order"},
    {"clear-caches", clear_caches, "Backdrop's caches hold the old code's views and paths"},
    {"restore-frontpage", restore_frontpage, "the site's own front page back"},
    {"maintenance-off", maintenance_off, "the site back online"},
    {"verify", verify, "the commit point: code and databases at the target, the site answers"},
    {"commit", commit, "the post-upgrade snapshot; what was replaced goes to the trash"},
    // The rollback (and restore): the checkout and a full dump online; in the
    // window the undo dumps (deltas against it) and the code snapshot of what
    // is replaced (together the kept pre-rollback snapshot), the exchanges of
    // modules/civicrm and the snapshot's other paths, the database restore.
    {"preflight", preflight, "the site is still as the plan found it"},
    {"restore-snapshot", restore_snapshot, "the snapshot's code checked out into staging, online"},
    {"pre-snapshot-databases", pre_snapshot_databases,
     "the current state dumped online as a delta against the target, and the restore planned"},
    {"maintenance-on", maintenance_on, "no visitor sees a half-restored site"},
    {"snapshot-databases", snapshot_databases, "the current state at the last moment, the rollback's own undo"},
    {"keep-replaced", keep_replaced, "what the rollback replaces kept as a snapshot of its own; nothing is lost"},
    {"swap-code", swap_code, "the snapshot's modules/civicrm takes its place in one rename"},
    {"restore-files", restore_files, "settings, active config and files/civicrm back, each exchanged atomically"},
    {"clear-templates", clear_templates, "templates compiled for the replaced code must not be used"},
    {"restore-databases", restore_databases, "the databases back to the snapshot's dumps, as planned online"},
    {"clear-caches", clear_caches, "Backdrop's caches hold the replaced code's views and paths"},
    {"maintenance-off", maintenance_off, "the site back online"},
    {"verify", verify, "the commit point: code and databases are the snapshot's"},
    {"finish-rollback", finish_rollback, "the journal closed; what was replaced stays kept"},
};
constexpr size_t kUpgradePhases = 18;
constexpr std::span<const PhaseRow> kUpgrade(kPhases, kUpgradePhases);
constexpr std::span<const PhaseRow> kRollback(kPhases + kUpgradePhases, std::size(kPhases) - kUpgradePhases);

std::span<const PhaseRow> rows_of(const std::string& transaction) {
  if (transaction == "upgrade") return kUpgrade;
  if (transaction == "rollback") return kRollback;
  fail("unknown transaction '{}'", transaction);
}

std::vector<std::string> names_of(std::span<const PhaseRow> rows) {
  std::vector<std::string> names;
  for (const PhaseRow& row : rows) names.emplace_back(row.name);
  return names;
}

}  // namespace

const std::vector<std::string>& phase_order(const std::string& transaction) {
  // Made on first use: tests call this from their static initialisers.
  static const std::vector<std::string> upgrade = names_of(kUpgrade);
  static const std::vector<std::string> rollback = names_of(kRollback);
  if (transaction == "upgrade") return upgrade;
  if (transaction == "rollback") return rollback;
  fail("unknown transaction '{}'", transaction);
}

namespace {

// Every phase's fault points: "before" its apply acts, "after" it acted but
// before the journal records it done, and in its "undo" (fault_point.hpp).
// Being here rather than in each phase, no phase can lack them.
class FaultPoints final : public Phase {
 public:
  explicit FaultPoints(std::unique_ptr<Phase> inner) : inner_(std::move(inner)) {}
  std::string name() const override { return inner_->name(); }
  void apply(UndoLog& undo) override {
    fault_point(inner_->name(), "before");
    Stopwatch watch(inner_->name(), "apply");
    inner_->apply(undo);
    watch.done();
    fault_point(inner_->name(), "after");
  }
  void undo(const nlohmann::json& data) override {
    fault_point(inner_->name(), "undo");
    Stopwatch watch(inner_->name(), "undo");
    inner_->undo(data);
    watch.done();
  }

 private:
  // -v: each phase's start and duration (the log file always has them).
  class Stopwatch {
   public:
    Stopwatch(const std::string& phase, const char* what) : phase_(phase), what_(what) {
      spdlog::debug("phase {}: {} started", phase_, what_);
    }
    ~Stopwatch() {
      if (!done_) spdlog::debug("phase {}: {} failed after {:.2f} s", phase_, what_, seconds());
    }
    // The phase's workers are gone: their freed memory goes back before the
    // next phase's start (process_memory.hpp).  -v shows the peak so far.
    void done() {
      done_ = true;
      const double took = seconds();
      release_free_memory();
      spdlog::debug("phase {}: {} done in {:.2f} s, peak RSS so far {:.1f} MB", phase_, what_, took,
                    static_cast<double>(peak_rss_kib()) / 1024);
    }

   private:
    double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
    std::string phase_;
    const char* what_;
    bool done_ = false;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  };

 public:
 private:
  std::unique_ptr<Phase> inner_;
};

}  // namespace

// A phase by name (recover has only the names in the journal): the same class
// wherever the name appears in the table.
std::unique_ptr<Phase> make_phase(const std::string& name, UpgradeWorld& world) {
  for (const PhaseRow& row : kPhases) {
    if (name == row.name) return std::make_unique<FaultPoints>(row.make(world, row.name));
  }
  return nullptr;
}

std::vector<std::unique_ptr<Phase>> make_phases(const std::string& transaction, UpgradeWorld& world) {
  std::vector<std::unique_ptr<Phase>> phases;
  for (const PhaseRow& row : rows_of(transaction))
    phases.push_back(std::make_unique<FaultPoints>(row.make(world, row.name)));
  return phases;
}

std::vector<PlannedPhase> phase_plan(const std::string& transaction) {
  std::vector<PlannedPhase> plan;
  for (const PhaseRow& row : rows_of(transaction)) plan.push_back({row.name, row.why});
  return plan;
}

}  // namespace civiup::phases
