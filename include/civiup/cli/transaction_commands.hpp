#pragma once
// The entry points of the commands that change a site (the CLI table's `run`).
#include "civiup/cli/cli.hpp"

namespace civiup {

ExitCode upgrade_command(const Invocation& invocation);
ExitCode recover_command(const Invocation& invocation);
ExitCode rollback_command(const Invocation& invocation);
ExitCode status_command(const Invocation& invocation);
ExitCode snapshot_command(const Invocation& invocation);
ExitCode snapshots_command(const Invocation& invocation);
ExitCode restore_command(const Invocation& invocation);
ExitCode prune_command(const Invocation& invocation);
ExitCode rehearse_command(const Invocation& invocation);

}  // namespace civiup
