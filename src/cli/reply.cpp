#include "civiup/cli/reply.hpp"

#include <iostream>

namespace civiup {

nlohmann::json Reply::to_json() const {
  nlohmann::json out = {{"ok", code == ExitCode::kSuccess},
                        {"exit_code", to_int(code)},
                        {"error", error.empty() ? nlohmann::json() : nlohmann::json(error)}};
  out.update(fields);
  return out;
}

ExitCode Reply::print(const GlobalOptions& global) const {
  if (global.json) {
    std::cout << to_json().dump() << '\n';
  } else {
    std::cout << summary;
  }
  std::cout.flush();
  if (!error.empty()) std::cerr << "civiup: error: " << error << '\n';
  return code;
}

}  // namespace civiup
