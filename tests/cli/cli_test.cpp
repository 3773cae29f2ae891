// The command-line contract: --help lists every command of DESIGN.md §4,
// --version, exit codes and one-line errors for bad usage.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "civiup/cli/cli.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

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
  for (const char* name :
       {"check", "upgrade", "rollback", "recover", "status", "snapshot", "snapshots", "restore", "prune", "rehearse"}) {
    EXPECT_NE(result.out.find(std::string("\n  ") + name + " "), std::string::npos) << name;
  }
  for (const char* option : {"--root", "--state-dir", "--json", "--yes", "--verbose", "--quiet"}) {
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

TEST(Cli, CommandOptionBeforeCommandIsAnError) {
  auto result = run_civiup({"--release", "/x", "check"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("option --release before the command"), std::string::npos) << result.err;
}

// --root is global (issue 17): a root that is no Backdrop site is the same one
// error line (exit 2, nothing written) before the command or after it.
TEST(Cli, ARootThatIsNoSiteIsOneErrorLineWhereverItStands) {
  test::TempDir temp;
  std::filesystem::path plain = temp / "plain";
  std::filesystem::create_directories(plain);
  const std::string line = "civiup: error: --root " + plain.string() +
                           ": not a Backdrop root: no index.php, no settings.php, no core/ or modules/ (it needs "
                           "index.php, settings.php and core/ or modules/)\n";
  for (const char* command : {"status", "snapshots", "snapshot", "recover", "rollback"}) {
    for (bool before : {true, false}) {
      std::vector<std::string> args = {command, "--root", plain.string()};
      if (before) args = {"--root", plain.string(), command};
      auto result = run_civiup(args);
      EXPECT_EQ(result.exit_code, 2) << command << " before=" << before;
      EXPECT_EQ(result.err, line) << command << " before=" << before;
      EXPECT_EQ(result.out, "") << command << " before=" << before;
    }
  }
  auto json = run_civiup({"--json", "--root=" + plain.string(), "status"});
  EXPECT_EQ(json.exit_code, 2);
  EXPECT_EQ(json.err, line);
  EXPECT_EQ(nlohmann::json::parse(json.out),
            (nlohmann::json{{"ok", false}, {"exit_code", 2}, {"error", line.substr(15, line.size() - 16)}}));
  // check keeps its own refusal object: the error is its one problem.
  auto check = run_civiup({"--json", "--root", plain.string(), "check", "--release", (temp / "r.tar.gz").string()});
  EXPECT_EQ(check.exit_code, 2);
  auto object = nlohmann::json::parse(check.out);
  EXPECT_EQ(object["ready"], false);
  EXPECT_EQ(object["problems"], nlohmann::json::array({line.substr(15, line.size() - 16)}));
  EXPECT_EQ(object["error"], line.substr(15, line.size() - 16));
  EXPECT_TRUE(std::filesystem::is_empty(plain));
  EXPECT_FALSE(std::filesystem::exists(temp / "plain.civiup"));

  auto missing = run_civiup({"--root", (plain / "nowhere").string(), "status"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err, "civiup: error: --root " + (plain / "nowhere").string() + ": not a directory\n");
  auto no_value = run_civiup({"status", "--root"});
  EXPECT_EQ(no_value.exit_code, 2);
  EXPECT_EQ(no_value.err, "civiup: error: option --root needs a value\n");
}

// The site is looked for only when the command needs it, after its own usage
// errors; `rehearse --cleanup` alone needs none.
TEST(Cli, UsageErrorsComeBeforeTheSiteIsLookedFor) {
  test::TempDir temp;
  std::filesystem::path plain = temp / "plain";
  std::filesystem::create_directories(plain);
  auto check = run_civiup({"--root", plain.string(), "check"});
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_EQ(check.err, "civiup: error: civiup check: --release FILE, --latest or --version X.Y.Z is required\n");
  auto prune = run_civiup({"--root", plain.string(), "prune"});
  EXPECT_EQ(prune.err, "civiup: error: civiup prune: --keep N is required\n");
  test::ProcessOptions elsewhere;
  elsewhere.cwd = plain;  // no Backdrop root at or above
  auto cleanup = run_civiup({"rehearse", "--cleanup", "--to-root", (temp / "copy").string()}, elsewhere);
  EXPECT_EQ(cleanup.exit_code, 2);
  EXPECT_NE(cleanup.err.find("not a copy made by civiup rehearse"), std::string::npos) << cleanup.err;
}

TEST(Cli, SuggestionNeedsACloseMatch) {
  EXPECT_EQ(suggest_command("snapshot"), "snapshot");
  EXPECT_EQ(suggest_command("snapshts"), "snapshots");
  EXPECT_EQ(suggest_command("rollbak"), "rollback");
  EXPECT_EQ(suggest_command("zzzzzzzz"), "");
}

}  // namespace
}  // namespace civiup
