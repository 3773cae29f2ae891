#pragma once
// The entry points of the commands that change a site (the CLI table's `run`)
// and their option definitions (its `define_options`; upgrade's is
// add_upgrade_options in command_support.hpp, which rehearse shares).
#include "civiup/cli/cli.hpp"

namespace civiup {

void define_recover_options(cxxopts::Options& options);
void define_rollback_options(cxxopts::Options& options);
void define_status_options(cxxopts::Options& options);
void define_snapshot_options(cxxopts::Options& options);
void define_snapshots_options(cxxopts::Options& options);
void define_restore_options(cxxopts::Options& options);
void define_prune_options(cxxopts::Options& options);
void define_rehearse_options(cxxopts::Options& options);

ExitCode upgrade_command(const CommandContext& context);
ExitCode recover_command(const CommandContext& context);
ExitCode rollback_command(const CommandContext& context);
ExitCode status_command(const CommandContext& context);
ExitCode snapshot_command(const CommandContext& context);
ExitCode snapshots_command(const CommandContext& context);
ExitCode restore_command(const CommandContext& context);
ExitCode prune_command(const CommandContext& context);
ExitCode rehearse_command(const CommandContext& context);

}  // namespace civiup
