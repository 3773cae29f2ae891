#pragma once
// The common shape of an upgrade phase: a name and the world it acts on.
#include <filesystem>
#include <string>

#include "civiup/base/error.hpp"
#include "civiup/snapshot/code/code_repository.hpp"

#include "civiup/transaction/state_trash.hpp"
#include "civiup/transaction/transaction.hpp"
#include "civiup/upgrade/upgrade_world.hpp"
#include "upgrade/phases/upgrade_phases.hpp"

namespace civiup::phases {

class WorldPhase : public Phase {
 public:
  WorldPhase(UpgradeWorld& world, std::string name) : world_(world), name_(std::move(name)) {}
  std::string name() const override { return name_; }

 protected:
  // A fault point inside a long step of this phase ("<phase>:<when>").
  void fault(const char* when) const { fault_point(name_, when); }
  // A tree the run no longer needs goes to the state directory's trash (a
  // rename; deleted off the critical path, state_trash.hpp).  Absent is fine.
  void discard(const std::filesystem::path& path) const { move_to_trash(world_.run().state_dir, path); }
  // Takes a code snapshot of `spec` (its message and labels set), showing
  // this phase's progress, and records its id for undo (kCodeSnapshotKey).
  snapshot::CodeSnapshotResult take_code_snapshot(snapshot::CodeSnapshotSpec spec, UndoLog& undo);
  // The undo of take_code_snapshot: a snapshot changes nothing on the site, so
  // a rolled-back run's is only forgotten (its objects go at the next garbage
  // collection).  A failure to forget is a warning, never a failed undo.
  void forget_code_snapshot(const nlohmann::json& data);
  UpgradeWorld& world_;

 private:
  std::string name_;
};

}  // namespace civiup::phases
