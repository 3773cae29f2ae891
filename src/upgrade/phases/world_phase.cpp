#include "upgrade/phases/world_phase.hpp"

#include <spdlog/spdlog.h>

#include "civiup/system/terminal_progress.hpp"
#include "civiup/version.hpp"

namespace civiup::phases {

snapshot::CodeSnapshotResult WorldPhase::take_code_snapshot(snapshot::CodeSnapshotSpec spec, UndoLog& undo) {
  spec.tool_version = kVersion;
  PhaseProgress progress(name());
  spec.progress = &progress;
  snapshot::CodeSnapshotResult result = world_.code_repository().snapshot(spec);
  undo.record("snapshot", result.info.id);
  return result;
}

void WorldPhase::forget_code_snapshot(const nlohmann::json& data) {
  if (!data.contains("snapshot")) return;
  const std::string id = data["snapshot"].get<std::string>();
  try {
    world_.code_repository().remove(id);
  } catch (const Error& e) {
    spdlog::warn("forgetting code snapshot {}: {}", id, e.what());
  }
}

}  // namespace civiup::phases
