#include "civiup/upgrade/local_changes.hpp"

#include <fmt/format.h>

#include "civiup/site/site.hpp"

namespace civiup {
namespace fs = std::filesystem;

LocalChanges find_local_changes(const fs::path& root, const fs::path& state_dir) {
  LocalChanges local;
  fs::path repository = state_dir / "code.git";
  std::error_code error;
  if (!fs::is_directory(repository, error)) return local;  // no civiup run here yet
  std::string live_version = read_code_version(root / "modules" / "civicrm").str();
  snapshot::CodeRepository code = snapshot::CodeRepository::open(repository);
  // Newest first: the last upgrade that installed the live version is the baseline.
  for (const snapshot::CodeSnapshotInfo& info : code.list()) {
    auto kind = info.labels.find("kind");
    auto version = info.labels.find("code_version");
    if (kind == info.labels.end() || kind->second != "post-upgrade") continue;
    if (version == info.labels.end() || version->second != live_version) continue;
    local.baseline = info.id;
    local.baseline_version = live_version;
    break;
  }
  if (local.baseline.empty()) return local;
  for (snapshot::PathChange& change : code.diff_live(local.baseline, root)) {
    if (change.path.starts_with("modules/civicrm/")) local.changes.push_back(std::move(change));
  }
  return local;
}

std::string describe_local_changes(const LocalChanges& local, size_t shown) {
  std::string text =
      fmt::format("modules/civicrm: {} file{} changed since civiup installed {} (snapshot {})", local.changes.size(),
                  local.changes.size() == 1 ? "" : "s", local.baseline_version, local.baseline.substr(0, 12));
  for (size_t i = 0; i < local.changes.size() && i < shown; ++i) {
    const snapshot::PathChange& change = local.changes[i];
    text += fmt::format("{}{} ({})", i == 0 ? ": " : ", ",
                        std::string_view(change.path).substr(std::string_view("modules/civicrm/").size()),
                        snapshot::to_string(change.kind));
  }
  if (local.changes.size() > shown) text += ", ...";
  return text;
}

}  // namespace civiup
