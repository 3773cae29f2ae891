#include "civiup/transaction/state_dir.hpp"

namespace civiup {
namespace fs = std::filesystem;

fs::path default_state_dir(const fs::path& root) {
  fs::path clean = root.lexically_normal();
  if (clean.filename().empty()) clean = clean.parent_path();
  return clean.parent_path() / (clean.filename().string() + ".civiup");
}

fs::path resolve_state_dir(const fs::path& root, const fs::path& given) {
  return fs::absolute(given.empty() ? default_state_dir(root) : given).lexically_normal();
}

fs::path journal_file(const fs::path& state_dir) { return state_dir / "journal.json"; }
fs::path logs_dir(const fs::path& state_dir) { return state_dir / "logs"; }

}  // namespace civiup
