#pragma once
// The undo data that is read outside the phase recording it, one declaration
// each: the phase records under these keys, and its undo, recover and the
// run's outcome read through these functions.  The keys are the journal's on
// disk: a journal an older civiup wrote must still recover, so they never change.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace civiup::phases {

// upgrade-database: the DB upgrade command's process group, recorded as it
// starts.  Its undo kills it, and recover does first of all (a civiup that
// died may have left it running).
inline constexpr const char* kChildPgidKey = "child_pgid";
inline std::optional<pid_t> recorded_child_pgid(const nlohmann::json& undo) {
  if (!undo.contains(kChildPgidKey)) return std::nullopt;
  return undo[kChildPgidKey].get<pid_t>();
}

// enable-integrations: the integration modules the new release no longer
// ships, left disabled (the run's outcome reports them).
inline constexpr const char* kMissingModulesKey = "missing";
inline std::vector<std::string> recorded_missing_modules(const nlohmann::json& undo) {
  if (!undo.contains(kMissingModulesKey)) return {};
  return undo[kMissingModulesKey].get<std::vector<std::string>>();
}

// Every phase that takes a code snapshot (snapshot-code, keep-replaced,
// commit; WorldPhase::take_code_snapshot): its id, "" when none was taken.
inline constexpr const char* kCodeSnapshotKey = "snapshot";
inline std::string recorded_code_snapshot(const nlohmann::json& undo) {
  if (!undo.contains(kCodeSnapshotKey) || !undo[kCodeSnapshotKey].is_string()) return {};
  return undo[kCodeSnapshotKey].get<std::string>();
}

}  // namespace civiup::phases
