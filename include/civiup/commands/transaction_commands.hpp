#pragma once
// The entry points of the commands that change a site (the CLI table's `run`).
#include "civiup/cli.hpp"

namespace civiup {

ExitCode upgrade_command(const Invocation& invocation);
ExitCode recover_command(const Invocation& invocation);
ExitCode rollback_command(const Invocation& invocation);
ExitCode status_command(const Invocation& invocation);

}  // namespace civiup
