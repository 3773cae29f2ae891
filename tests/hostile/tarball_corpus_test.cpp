// The hostile tarball corpus, end to end: one site, and for every tarball the
// built civiup's `upgrade` and `check` each refuse it with exit 2 and one line
// naming the tarball and the cause — and the site's tree and both databases
// are exactly as before (no state directory, no staging, no byte changed).
#include <gtest/gtest.h>

#include <iostream>
#include <set>

#include <fmt/format.h>

#include "hostile/hostile_site.hpp"
#include "hostile/hostile_tarballs.hpp"
#include "support/test_server.hpp"

namespace civiup::hostile {
namespace {

TEST(HostileTarballs, EveryTarballIsRefusedWithOneLineAndChangesNothing) {
  test::require_test_server();
  test::TempDir temp;
  testbed::Site site = make_site(temp / "www", "tar");
  fs::path state_dir = site.root.string() + ".civiup";
  fs::create_directories(temp / "corpus");

  std::vector<HostileTarball> corpus = hostile_tarballs();
  std::set<std::string> names;
  State before = site_state(site);
  size_t refused = 0;
  for (const HostileTarball& hostile : corpus) {
    SCOPED_TRACE("tarball case " + hostile.name);
    int failures_before = ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
    ASSERT_TRUE(names.insert(hostile.name).second) << "two cases named " << hostile.name;
    fs::path tarball = temp / "corpus" / ("civicrm-" + hostile.name + ".tar.gz");
    hostile.write(tarball);
    std::vector<std::string> needles = {hostile.cause};
    if (hostile.names_file) needles.push_back(tarball.filename().string());

    std::string upgrade_line = expect_one_line_error(run_civiup_on("upgrade", site, tarball), 2, needles);
    std::string check_line = expect_one_line_error(run_civiup_on("check", site, tarball), 2, needles);
    EXPECT_TRUE(check_line.starts_with("civiup: error: not ready: ")) << check_line;
    EXPECT_EQ(state_differences(before, site_state(site)), "");
    EXPECT_FALSE(fs::exists(state_dir)) << "a refused run created the state directory";
    std::cout << fmt::format("[ hostile  ] {:<24} exit 2  {}\n", hostile.name, upgrade_line.substr(15, 200));
    if (::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count() == failures_before)
      ++refused;
  }
  std::cout << fmt::format("[ hostile  ] {} hostile tarballs, {} refused as expected by upgrade and check\n",
                           corpus.size(), refused);
  EXPECT_GE(corpus.size(), 25u);
  EXPECT_EQ(refused, corpus.size());
  if (!::testing::Test::HasFailure()) drop_databases(site);
}

}  // namespace
}  // namespace civiup::hostile
