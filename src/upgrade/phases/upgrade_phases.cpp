#include "upgrade/phases/upgrade_phases.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

#include "civiup/base/error.hpp"

namespace civiup::phases {
namespace {

using Factory = std::unique_ptr<Phase> (*)(UpgradeWorld&);

struct NamedPhase {
  const char* name;
  Factory make;
};

// Every phase by name (recover has only the names in the journal).
constexpr NamedPhase kAllPhases[] = {
    {"preflight", preflight},
    {"stage-release", stage_release},
    {"snapshot-code", snapshot_code},
    {"pre-snapshot-databases", pre_snapshot_databases},
    {"maintenance-on", maintenance_on},
    {"snapshot-databases", snapshot_databases},
    {"frontpage-off", frontpage_off},
    {"disable-integrations", disable_integrations},
    {"swap-code", swap_code},
    {"permissions", permissions},
    {"clear-templates", clear_templates},
    {"upgrade-database", upgrade_database},
    {"enable-integrations", enable_integrations},
    {"clear-caches", clear_caches},
    {"restore-frontpage", restore_frontpage},
    {"maintenance-off", maintenance_off},
    {"verify", verify},
    {"commit", commit},
    {"restore-snapshot", restore_snapshot},
    {"restore-files", restore_files},
    {"restore-databases", restore_databases},
    {"keep-replaced", keep_replaced},
    {"finish-rollback", finish_rollback},
};

// DESIGN.md §3: outside the maintenance window first, then the window.
const std::vector<std::string> kUpgradeOrder = {
    "preflight",         "stage-release",        "snapshot-code",   "pre-snapshot-databases", "maintenance-on",
    "snapshot-databases", "frontpage-off",       "disable-integrations", "swap-code",
    "permissions",       "clear-templates",      "upgrade-database", "enable-integrations",
    "clear-caches",      "restore-frontpage",    "maintenance-off", "verify",
    "commit"};

// Rollback (and restore): the checkout and a full database dump happen
// online; the window holds the undo dumps (deltas against that dump) and the
// code snapshot of what is replaced (together the pre-rollback snapshot), the
// swaps of modules/civicrm and of the snapshot's other paths, and the
// selective database restore.
const std::vector<std::string> kRollbackOrder = {
    "preflight",       "restore-snapshot",  "pre-snapshot-databases", "maintenance-on",  "snapshot-databases",
    "keep-replaced",   "swap-code",         "restore-files",          "clear-templates", "restore-databases",
    "clear-caches",    "maintenance-off",   "verify",                 "finish-rollback"};

}  // namespace

const std::vector<std::string>& phase_order(const std::string& transaction) {
  if (transaction == "upgrade") return kUpgradeOrder;
  if (transaction == "rollback") return kRollbackOrder;
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
    void done() {
      done_ = true;
      spdlog::debug("phase {}: {} done in {:.2f} s", phase_, what_, seconds());
    }

   private:
    double seconds() const {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }
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

std::unique_ptr<Phase> make_phase(const std::string& name, UpgradeWorld& world) {
  for (const NamedPhase& phase : kAllPhases) {
    if (name == phase.name) return std::make_unique<FaultPoints>(phase.make(world));
  }
  return nullptr;
}

std::vector<std::unique_ptr<Phase>> make_phases(const std::string& transaction, UpgradeWorld& world) {
  std::vector<std::unique_ptr<Phase>> phases;
  for (const std::string& name : phase_order(transaction)) phases.push_back(make_phase(name, world));
  return phases;
}

}  // namespace civiup::phases
