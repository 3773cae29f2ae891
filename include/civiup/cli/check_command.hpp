#pragma once
// civiup check: the read-only preflight and plan (DESIGN.md §4).  Exit 0 only
// when the upgrade can proceed, 2 otherwise.
#include "civiup/cli/cli.hpp"

namespace civiup {

void define_check_options(cxxopts::Options& options);

ExitCode check_command(const CommandContext& context);

}  // namespace civiup
