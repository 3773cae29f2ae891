// The atomic swap: both trees exchanged in one step, nothing lost.
#include <gtest/gtest.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/system/directory_swap.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {

TEST(DirectorySwap, ExchangesTwoTrees) {
  test::TempDir root;
  test::write_text(root / "modules/civicrm/version.txt", "old");
  test::write_text(root / "staging/civicrm/version.txt", "new");
  ASSERT_TRUE(exchange_supported(root.path()));
  exchange_directories(root / "modules/civicrm", root / "staging/civicrm");
  EXPECT_EQ(read_file(root / "modules/civicrm/version.txt"), "new");
  EXPECT_EQ(read_file(root / "staging/civicrm/version.txt"), "old");
  // The probe leaves nothing behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(root.path()), {}), 2);
}

TEST(DirectorySwap, MissingSideIsAnErrorAndChangesNothing) {
  test::TempDir root;
  test::write_text(root / "modules/civicrm/version.txt", "old");
  EXPECT_THROW(exchange_directories(root / "modules/civicrm", root / "staging/civicrm"), Error);
  EXPECT_EQ(read_file(root / "modules/civicrm/version.txt"), "old");
}

TEST(DirectorySwap, SameFilesystem) {
  test::TempDir root;
  EXPECT_TRUE(same_filesystem(root.path(), root.path().parent_path()));
  EXPECT_FALSE(same_filesystem(root.path(), "/proc"));
}

}  // namespace
}  // namespace civiup
