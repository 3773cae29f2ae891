// `cmake --install` puts the binary, the man page and the bash completion in
// place; the man page renders without warnings and names every command; the
// completion knows every command.
#include <gtest/gtest.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/cli/cli.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {
namespace fs = std::filesystem;

TEST(Install, PutsTheManPageAndTheCompletionInPlace) {
  test::TempDir prefix;
  test::ProcessResult installed =
      test::run_process({CIVIUP_CMAKE_COMMAND, "--install", CIVIUP_BUILD_DIR, "--prefix", prefix.path().string()});
  ASSERT_EQ(installed.exit_code, 0) << installed.out << installed.err;
  fs::path page = prefix / "share/man/man1/civiup.1";
  fs::path completion = prefix / "share/bash-completion/completions/civiup";
  ASSERT_TRUE(fs::exists(prefix / "bin/civiup"));
  ASSERT_TRUE(fs::exists(page));
  ASSERT_TRUE(fs::exists(completion));

  // groff (Debian: groff-base) renders it with every warning on, and says nothing.
  test::ProcessResult rendered = test::run_process({"groff", "-man", "-Tutf8", "-ww", page.string()});
  EXPECT_EQ(rendered.exit_code, 0) << rendered.err;
  EXPECT_EQ(rendered.err, "") << "groff warnings";
  std::string man = read_file(page);
  std::string completion_text = read_file(completion);
  for (const Command& command : commands()) {
    std::string name(command.name);
    EXPECT_NE(man.find(".B civiup " + name), std::string::npos) << name << " missing from the man page's synopsis";
    EXPECT_NE(man.find(".TP\n.B " + name + "\n"), std::string::npos) << name << " not described in the man page";
    EXPECT_NE(completion_text.find(" " + name), std::string::npos) << name << " missing from the completion";
  }
  for (const char* option : {"\\-\\-to\\-root", "\\-\\-to\\-db\\-prefix", "\\-\\-cleanup",
                             "\\-\\-discard\\-local\\-changes", "\\-\\-discard\\-changes", "\\-\\-no\\-health\\-check",
                             "\\-\\-verbose", "\\-\\-json", "EXIT STATUS", "FILES", "EXAMPLES"}) {
    EXPECT_NE(man.find(option), std::string::npos) << option;
  }

  // bash loads it and registers the function.
  test::ProcessResult loaded =
      test::run_process({"bash", "-c", "source '" + completion.string() + "' && complete -p civiup"});
  EXPECT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_NE(loaded.out.find("_civiup"), std::string::npos) << loaded.out;
}

}  // namespace
}  // namespace civiup
