#include "civiup/backdrop/backdrop_modules.hpp"

#include <algorithm>
#include <functional>
#include <sstream>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

std::string unquote(std::string value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

// "civicrm (>=5.0)" -> "civicrm"; "views:views_ui" -> "views_ui" (project:module form)
std::string dependency_name(const std::string& value) {
  std::string name = trim(value.substr(0, value.find_first_of(" (")));
  if (size_t colon = name.find(':'); colon != std::string::npos) name = name.substr(colon + 1);
  return name;
}

}  // namespace

ModuleInfo read_module_info(const fs::path& info_file) {
  ModuleInfo info;
  info.info_file = info_file;
  info.name = info_file.stem().string();
  std::istringstream lines(read_file(info_file));
  std::string line;
  while (std::getline(lines, line)) {
    std::string text = trim(line);
    if (text.empty() || text[0] == ';' || text[0] == '#') continue;
    size_t equals = text.find('=');
    if (equals == std::string::npos) continue;
    std::string key = trim(text.substr(0, equals));
    std::string value = unquote(trim(text.substr(equals + 1)));
    if (key == "dependencies[]") {
      std::string name = dependency_name(value);
      if (!name.empty()) info.dependencies.push_back(name);
    } else if (key == "type") {
      info.type = value;
    }
  }
  return info;
}

ModuleScan scan_modules(const fs::path& modules_dir) {
  ModuleScan scan;
  std::error_code error;
  fs::recursive_directory_iterator it(modules_dir, fs::directory_options::skip_permission_denied, error);
  if (error) fail("scanning modules in {}: {}", modules_dir.string(), error.message());
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) fail("scanning modules in {}: {}", modules_dir.string(), error.message());
    const fs::directory_entry& entry = *it;
    if (entry.is_directory() && entry.path().filename().string().starts_with(".")) {
      it.disable_recursion_pending();  // .git, .civiup staging and such are not scanned by Backdrop
      continue;
    }
    if (!entry.is_regular_file() || entry.path().extension() != ".info") continue;
    ModuleInfo info = read_module_info(entry.path());
    if (!info.type.empty() && info.type != "module") continue;
    auto [existing, inserted] = scan.modules.emplace(info.name, info);
    if (!inserted) {
      auto& paths = scan.duplicates[info.name];
      if (paths.empty()) paths.push_back(existing->second.info_file);
      paths.push_back(info.info_file);
    }
  }
  return scan;
}

std::vector<std::string> dependents_in_enable_order(const ModuleScan& scan, const std::set<std::string>& enabled,
                                                    const std::string& root_module) {
  // A module depends on root when any of its dependencies is root or does.
  std::map<std::string, int> memo;  // 0 visiting, 1 yes, 2 no
  std::function<bool(const std::string&)> depends_on_root = [&](const std::string& name) {
    if (auto found = memo.find(name); found != memo.end()) return found->second == 1;
    memo[name] = 0;  // a dependency cycle counts as "no" through this path
    bool result = false;
    if (auto module = scan.modules.find(name); module != scan.modules.end()) {
      for (const std::string& dependency : module->second.dependencies) {
        if (dependency == root_module || depends_on_root(dependency)) {
          result = true;
          break;
        }
      }
    }
    memo[name] = result ? 1 : 2;
    return result;
  };
  std::set<std::string> chosen;
  for (const std::string& name : enabled) {
    if (name != root_module && depends_on_root(name)) chosen.insert(name);
  }
  // Topological order among the chosen: dependencies first, ties by name.
  std::vector<std::string> order;
  std::set<std::string> placed;
  std::function<void(const std::string&)> place = [&](const std::string& name) {
    if (placed.count(name)) return;
    placed.insert(name);
    if (auto module = scan.modules.find(name); module != scan.modules.end()) {
      for (const std::string& dependency : module->second.dependencies) {
        if (chosen.count(dependency)) place(dependency);
      }
    }
    order.push_back(name);
  };
  for (const std::string& name : chosen) place(name);
  return order;
}

}  // namespace civiup
