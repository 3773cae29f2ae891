#pragma once
// What the commands that run transactions share: option parsing on top of
// cxxopts, the confirmation question, and printing a transaction's outcome
// (human-readable, or the one JSON object of DESIGN.md §4).
#include <string>
#include <vector>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "civiup/cli.hpp"
#include "civiup/transaction.hpp"

namespace civiup {

// Parses a command's own arguments; unknown options and stray words are errors
// naming them.  `positional` receives the words when given.
cxxopts::ParseResult parse_command_options(cxxopts::Options& options, const std::vector<std::string>& args,
                                           std::vector<std::string>* positional = nullptr);

// Asks `question` on a terminal; --yes answers it.  Without a terminal and
// without --yes the command is refused: nothing is changed unasked.
void confirm_or_refuse(const GlobalOptions& global, const std::string& question);

// The exit code a transaction's outcome means.
ExitCode exit_code_of(const TransactionResult& result);

// The phases as JSON: [{"name","status","seconds"}, ...].
nlohmann::json phases_json(const std::vector<PhaseReport>& phases);

// Prints the phase table to stdout (not with --json or -q).
void print_phases(const GlobalOptions& global, const std::vector<PhaseReport>& phases);

}  // namespace civiup
