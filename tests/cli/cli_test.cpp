// The command-line contract: --help lists every command of DESIGN.md §4,
// --version, exit codes and one-line errors for bad usage.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "civiup/cli/cli.hpp"
#include "support/process.hpp"

namespace civiup {
namespace {

using test::run_civiup;

TEST(Cli, VersionPrintsTheProjectVersion) {
  auto result = run_civiup({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.rfind("civiup ", 0), 0u) << result.out;
}

TEST(Cli, HelpListsEveryCommandOfTheContract) {
  auto result = run_civiup({"--help"});
  ASSERT_EQ(result.exit_code, 0);
  for (const char* name : {"check", "upgrade", "rollback", "recover", "status", "snapshot",
                           "snapshots", "restore", "prune", "rehearse"}) {
    EXPECT_NE(result.out.find(std::string("\n  ") + name + " "), std::string::npos) << name;
  }
  for (const char* option : {"--state-dir", "--json", "--yes", "--verbose", "--quiet"}) {
    EXPECT_NE(result.out.find(option), std::string::npos) << option;
  }
}

TEST(Cli, CheckIsBuilt) {
  auto result = run_civiup({"--help"});
  size_t line = result.out.find("\n  check ");
  ASSERT_NE(line, std::string::npos);
  EXPECT_EQ(result.out.substr(line, result.out.find('\n', line + 1) - line).find("not built"), std::string::npos);
  auto usage = run_civiup({"check"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_EQ(usage.err, "civiup: error: civiup check: --release FILE, --latest or --version X.Y.Z is required\n");
  auto bad_option = run_civiup({"--json", "check", "--frobnicate"});
  EXPECT_EQ(bad_option.exit_code, 2);
  auto json = nlohmann::json::parse(bad_option.out);
  EXPECT_EQ(json["ready"], false);
  EXPECT_NE(json["error"].get<std::string>().find("frobnicate"), std::string::npos) << bad_option.out;
}

TEST(Cli, NoCommandShowsHelpAndRefuses) {
  auto result = run_civiup({});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.out.find("commands:"), std::string::npos);
}

TEST(Cli, UnknownCommandSuggestsTheClosestOne) {
  auto result = run_civiup({"upgarde"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "civiup: error: unknown command 'upgarde', did you mean 'upgrade'?\n");
  EXPECT_TRUE(result.out.empty());
}

TEST(Cli, UnknownCommandWithJsonPrintsOneObject) {
  auto result = run_civiup({"--json", "frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
  auto json = nlohmann::json::parse(result.out);
  EXPECT_EQ(json["ok"], false);
  EXPECT_EQ(json["exit_code"], 2);
  EXPECT_EQ(json["error"], "unknown command 'frobnicate' (see civiup --help)");
}

TEST(Cli, OptionBeforeCommandIsAnError) {
  auto result = run_civiup({"--root", "/x", "check"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("option --root before the command"), std::string::npos) << result.err;
}

TEST(Cli, SuggestionNeedsACloseMatch) {
  EXPECT_EQ(suggest_command("snapshot"), "snapshot");
  EXPECT_EQ(suggest_command("snapshts"), "snapshots");
  EXPECT_EQ(suggest_command("rollbak"), "rollback");
  EXPECT_EQ(suggest_command("zzzzzzzz"), "");
}

}  // namespace
}  // namespace civiup
