#include "upgrade/phases/world_phase.hpp"

#include <spdlog/spdlog.h>

#include "civiup/system/terminal_progress.hpp"
#include "civiup/version.hpp"
#include "upgrade/phases/undo_records.hpp"

namespace civiup::phases {

snapshot::CodeSnapshotResult WorldPhase::take_code_snapshot(snapshot::CodeSnapshotSpec spec, UndoLog& undo) {
  spec.tool_version = kVersion;
  PhaseProgress progress(name());
  spec.progress = &progress;
  snapshot::CodeSnapshotResult result = world_.code_repository().snapshot(spec);
  undo.record(kCodeSnapshotKey, result.info.id);
  return result;
}

void WorldPhase::forget_code_snapshot(const nlohmann::json& data) {
  const std::string id = recorded_code_snapshot(data);
  if (id.empty()) return;
  try {
    world_.code_repository().remove(id);
  } catch (const Error& e) {
    spdlog::warn("forgetting code snapshot {}: {}", id, e.what());
  }
}

}  // namespace civiup::phases
