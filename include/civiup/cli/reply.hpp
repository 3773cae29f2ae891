#pragma once
// The end of every command: one value makes its --json object (DESIGN.md §4:
// "ok", "exit_code", "error" and the command's own keys) and what a person
// reads, so the two cannot tell different stories.
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "civiup/cli/cli.hpp"

namespace civiup {

struct Reply {
  Reply() = default;
  explicit Reply(ExitCode exit_code, std::string cause = {}) : code(exit_code), error(std::move(cause)) {}

  ExitCode code = ExitCode::kSuccess;  // "ok" is code == kSuccess
  // The cause of a failure: "error" in the object (null when empty), and the
  // one `civiup: error: <error>` line on stderr, with --json too.
  std::string error;
  // The command's own keys; they are merged over ok, exit_code and error.
  nlohmann::json fields = nlohmann::json::object();
  // What a person reads on stdout without --json (the command leaves out what
  // -q hides).
  std::string summary;

  nlohmann::json to_json() const;

  // With --json the object on stdout, else the summary; the error line on
  // stderr either way.  Returns `code`.
  ExitCode print(const GlobalOptions& global) const;
};

}  // namespace civiup
