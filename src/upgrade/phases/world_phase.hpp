#pragma once
// The common shape of an upgrade phase: a name and the world it acts on.
#include <filesystem>
#include <string>

#include "civiup/snapshot/error.hpp"

#include "civiup/transaction.hpp"
#include "civiup/upgrade/upgrade_world.hpp"
#include "upgrade/phases/upgrade_phases.hpp"

namespace civiup::phases {

// Removes a tree (absent is fine); an error names the path.
inline void remove_tree(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) fail("removing {}: {}", path.string(), error.message());
}

class WorldPhase : public Phase {
 public:
  WorldPhase(UpgradeWorld& world, std::string name) : world_(world), name_(std::move(name)) {}
  std::string name() const override { return name_; }

 protected:
  // A fault point inside a long step of this phase ("<phase>:<when>").
  void fault(const char* when) const { fault_point(name_, when); }
  UpgradeWorld& world_;

 private:
  std::string name_;
};

}  // namespace civiup::phases
