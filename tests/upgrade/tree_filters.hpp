#pragma once
// Filters for comparing site trees across a swap of the code.
#include <map>
#include <string>

namespace civiup {

// Compiled templates are cleared by every swap of the code (they are rebuilt
// on demand), so comparisons across an upgrade and its rollback leave them out.
inline std::map<std::string, std::string> without_compiled_templates(std::map<std::string, std::string> tree) {
  std::erase_if(tree, [](const auto& entry) { return entry.first.find("templates_c/") != std::string::npos; });
  return tree;
}

}  // namespace civiup
