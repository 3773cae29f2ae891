// Every option of every command, as its cxxopts definition has it, is in
// `civiup COMMAND --help`, in the man page (the command's synopsis and an
// option item) and in the bash completion; and nothing else is: no option the
// man page or the completion offers that civiup would refuse.  The usage lines
// and --help are generated from the definitions; the man page and the
// completion are written by hand, which is what this test keeps in step.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include <cxxopts.hpp>

#include "civiup/base/durable_file.hpp"
#include "civiup/cli/cli.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {
namespace fs = std::filesystem;

using Names = std::set<std::string>;

const fs::path kSource = CIVIUP_SOURCE_DIR;

Names defined_options(const Command& command) {
  std::vector<std::string> names = option_names(command);
  return {names.begin(), names.end()};
}

// Long option names ("root") in `text`; the man page writes them \-\-root.
Names long_options_in(std::string text) {
  text = std::regex_replace(text, std::regex(R"(\\-)"), "-");
  Names names;
  std::regex option(R"((^|[^a-z0-9-])--([a-z0-9][a-z0-9-]*))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), option); it != std::sregex_iterator(); ++it) {
    names.insert((*it)[2]);
  }
  return names;
}

std::string joined(const Names& names) {
  std::string text;
  for (const std::string& name : names) text += " --" + name;
  return text.empty() ? " (none)" : text;
}

Names minus(const Names& a, const Names& b) {
  Names rest;
  for (const std::string& name : a) {
    if (b.count(name) == 0) rest.insert(name);
  }
  return rest;
}

// The global options as `civiup --help` lists them (long names).
Names global_options() {
  test::ProcessResult help = test::run_civiup({"--help"});
  size_t start = help.out.find("\nglobal options:\n");
  size_t end = help.out.find("\nexit codes:");
  if (start == std::string::npos || end == std::string::npos) return {};
  return long_options_in(help.out.substr(start, end - start));
}

// The man page's synopsis lines of `command`: from ".B civiup COMMAND" to the
// next .br (rehearse has two).
std::string man_synopsis(const std::string& man, std::string_view command) {
  std::string synopsis;
  std::istringstream lines(man);
  std::string line;
  bool in_section = false;
  bool inside = false;
  std::string head = ".B civiup " + std::string(command);
  while (std::getline(lines, line)) {
    if (line.starts_with(".SH")) in_section = line == ".SH SYNOPSIS";
    if (in_section && (line == head || line.starts_with(head + " "))) {
      inside = true;
    } else if (line == ".br" || !in_section) {
      inside = false;
    }
    if (inside) synopsis += line + "\n";
  }
  return synopsis;
}

// The options the man page describes: ".TP" then ".B \-\-name", ".BI \-\-name ARG"
// or ".BR \-v ", " \-\-verbose".
Names man_items(const std::string& man) {
  Names names;
  std::regex item(R"(\n\.TP\n\.B[IR]? (\\-[^\n]*))");
  for (auto it = std::sregex_iterator(man.begin(), man.end(), item); it != std::sregex_iterator(); ++it) {
    Names found = long_options_in((*it)[1]);
    names.insert(found.begin(), found.end());
  }
  return names;
}

// What the completion offers after `civiup WORDS...` (the last word is the
// one being completed), run in an empty directory so that file names do not mix in.
std::vector<std::string> complete(const std::vector<std::string>& words) {
  test::TempDir empty;
  std::string script = "source '" + (kSource / "scripts/completion/civiup.bash").string() + "'\nCOMP_WORDS=(civiup";
  for (const std::string& word : words) script += " '" + word + "'";
  script += ")\nCOMP_CWORD=" + std::to_string(words.size()) + "\n_civiup\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
  test::ProcessOptions options;
  options.cwd = empty.path();
  test::ProcessResult result = test::run_process({"bash", "-c", script}, options);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> offered;
  std::istringstream lines(result.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) offered.push_back(line);
  }
  return offered;
}

Names long_options_offered(const std::vector<std::string>& words) {
  Names names;
  for (const std::string& word : complete(words)) {
    if (word.starts_with("--")) names.insert(word.substr(2));
  }
  return names;
}

TEST(Options, HelpListsExactlyTheDefinedOptions) {
  for (const Command& command : commands()) {
    std::string name(command.name);
    test::ProcessResult help = test::run_civiup({name, "--help"});
    ASSERT_EQ(help.exit_code, 0) << name << ": " << help.err;
    EXPECT_TRUE(help.out.starts_with("usage: civiup " + name)) << help.out;
    size_t options_start = help.out.find("\noptions:\n");
    size_t options_end = help.out.find("\nglobal options:");
    ASSERT_NE(options_start, std::string::npos) << help.out;
    Names listed = long_options_in(help.out.substr(options_start, options_end - options_start));
    EXPECT_EQ(listed, defined_options(command)) << name;
    // The usage line names every option too (it is generated from the same definitions).
    Names in_usage = long_options_in(help.out.substr(0, help.out.find("\n\n")));
    EXPECT_EQ(in_usage, defined_options(command)) << name << ": " << help.out;
    // And `civiup --help` shows the same usage line.
    EXPECT_NE(test::run_civiup({"--help"}).out.find("    " + usage_line(command, 96, 8) + "\n"), std::string::npos)
        << name;
  }
}

TEST(Options, TheManPageSynopsisOfEachCommandHasExactlyItsOptions) {
  std::string man = read_file(kSource / "docs/civiup.1");
  for (const Command& command : commands()) {
    Names defined = defined_options(command);
    Names in_synopsis = long_options_in(man_synopsis(man, command.name));
    EXPECT_EQ(minus(defined, in_synopsis), Names{})
        << "civiup " << command.name
        << ": missing from the man page's synopsis:" << joined(minus(defined, in_synopsis));
    EXPECT_EQ(minus(in_synopsis, defined), Names{})
        << "civiup " << command.name
        << ": in the man page's synopsis but not an option:" << joined(minus(in_synopsis, defined));
  }
}

TEST(Options, TheManPageDescribesEveryOptionAndNoOther) {
  std::string man = read_file(kSource / "docs/civiup.1");
  Names all = global_options();
  ASSERT_TRUE(all.count("state-dir") != 0 && all.count("json") != 0) << "civiup --help lists no global options";
  for (const Command& command : commands()) {
    Names defined = defined_options(command);
    all.insert(defined.begin(), defined.end());
  }
  Names items = man_items(man);
  EXPECT_EQ(minus(all, items), Names{}) << "no .TP item in the man page for:" << joined(minus(all, items));
  EXPECT_EQ(minus(items, all), Names{}) << "the man page describes options civiup does not have:"
                                        << joined(minus(items, all));
}

TEST(Options, TheCompletionOffersExactlyEachCommandsOptions) {
  Names global = global_options();
  for (const Command& command : commands()) {
    std::string name(command.name);
    Names offered = minus(long_options_offered({name, "--"}), global);
    Names defined = minus(defined_options(command), global);  // a command's --version X.Y.Z shares the name
    EXPECT_EQ(minus(defined, offered), Names{})
        << "civiup " << name << ": the completion lacks" << joined(minus(defined, offered));
    EXPECT_EQ(minus(offered, defined), Names{})
        << "civiup " << name << ": the completion offers" << joined(minus(offered, defined));
  }
}

TEST(Options, TheCompletionOffersEveryCommandAndGlobalOption) {
  Names commands_offered;
  for (const std::string& word : complete({""})) {
    if (!word.starts_with("-")) commands_offered.insert(word);
  }
  Names expected;
  for (const Command& command : commands()) expected.emplace(command.name);
  EXPECT_EQ(commands_offered, expected);
  EXPECT_EQ(long_options_offered({"--"}), global_options());
  // A command's own list ends with the global options too.
  EXPECT_EQ(minus(global_options(), long_options_offered({"status", "--"})), Names{});
}

// After an option that takes a value, the completion offers a value (files,
// directories or nothing), never more options; after a flag, the options again.
TEST(Options, TheCompletionKnowsWhichOptionsTakeAValue) {
  for (const Command& command : commands()) {
    std::string name(command.name);
    cxxopts::Options parser("civiup " + name);
    command.define_options(parser);
    std::vector<std::string> groups = parser.groups();
    if (std::find(groups.begin(), groups.end(), "") == groups.end()) continue;  // no options of its own (recover)
    for (const auto& option : parser.group_help("").options) {
      std::string word = "--" + option.l.front();
      std::vector<std::string> offered = complete({name, word, ""});
      bool offers_options =
          std::any_of(offered.begin(), offered.end(), [](const std::string& w) { return w.starts_with("--"); });
      if (option.is_boolean) {
        EXPECT_TRUE(offers_options) << "civiup " << name << " " << word
                                    << ": a flag, yet the completion expects a value";
      } else {
        EXPECT_FALSE(offers_options) << "civiup " << name << " " << word
                                     << ": takes a value, yet the completion offers options after it";
      }
    }
  }
  std::vector<std::string> after_state_dir = complete({"--state-dir", ""});
  EXPECT_TRUE(after_state_dir.empty()) << after_state_dir.front();
  std::vector<std::string> after_root = complete({"--root", ""});
  EXPECT_TRUE(after_root.empty()) << after_root.front();
}

// --root is a global option: offered before the command and after it, and its
// value is not taken for the command.
TEST(Options, TheCompletionKnowsTheGlobalRoot) {
  Names global = global_options();
  EXPECT_EQ(global.count("root"), 1u) << "civiup --help lists no --root among the global options";
  std::vector<std::string> commands = complete({"--root", "/srv/site", "sta"});
  EXPECT_EQ(commands, std::vector<std::string>{"status"});
  Names after = long_options_offered({"--root", "/srv/site", "prune", "--"});
  EXPECT_EQ(after.count("keep"), 1u) << joined(after);
  EXPECT_EQ(after.count("root"), 1u) << joined(after);
}

}  // namespace
}  // namespace civiup
