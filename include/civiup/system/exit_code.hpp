#pragma once
// Exit codes: the contract of DESIGN.md §4 for users, scripts and Ansible.
namespace civiup {

enum class ExitCode : int {
  kSuccess = 0,
  kRolledBack = 1,  // failed and fully rolled back: the site is as before
  kRefused = 2,     // refused before changing anything (usage, preflight, bad input)
  kIncomplete = 3,  // failed and could not fully roll back: see `civiup status`
};

constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

}  // namespace civiup
