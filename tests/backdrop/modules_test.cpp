// Integration modules: the enabled modules that depend on civicrm, directly or
// transitively, in an order that respects their dependencies.
#include <gtest/gtest.h>

#include "civiup/backdrop/backdrop_modules.hpp"
#include "civiup/base/error.hpp"
#include "support/temp_dir.hpp"

namespace civiup {
namespace {

using test::write_text;

void write_module(const test::TempDir& root, const std::string& relative_dir, const std::string& name,
                  const std::string& body) {
  write_text(root / ("modules/" + relative_dir + "/" + name + ".info"), body);
}

TEST(BackdropModules, InfoFileParsesDependenciesAndType) {
  test::TempDir root;
  write_module(root, "x", "civicrm_rules",
               "name = CiviCRM Rules\n; a comment\ntype = module\nbackdrop = 1.x\n"
               "dependencies[] = civicrm (>=5.0)\ndependencies[] = \"rules\"\ndependencies[] = views:views_ui\n");
  ModuleInfo info = read_module_info(root / "modules/x/civicrm_rules.info");
  EXPECT_EQ(info.name, "civicrm_rules");
  EXPECT_EQ(info.type, "module");
  EXPECT_EQ(info.dependencies, (std::vector<std::string>{"civicrm", "rules", "views_ui"}));
}

TEST(BackdropModules, DirectAndTransitiveDependentsInEnableOrder) {
  test::TempDir root;
  write_module(root, "civicrm/backdrop", "civicrm", "name = CiviCRM\n");
  write_module(root, "civicrm/backdrop/modules/civicrmtheme", "civicrmtheme", "dependencies[] = civicrm\n");
  write_module(root, "webform_civicrm", "webform_civicrm", "dependencies[] = civicrm\ndependencies[] = webform\n");
  write_module(root, "webform", "webform", "name = Webform\n");
  write_module(root, "civicrm_extra", "civicrm_extra", "dependencies[] = webform_civicrm\n");
  write_module(root, "unrelated", "unrelated", "dependencies[] = webform\n");
  write_module(root, "disabled_one", "disabled_one", "dependencies[] = civicrm\n");
  ModuleScan scan = scan_modules(root / "modules");
  EXPECT_TRUE(scan.duplicates.empty());
  std::set<std::string> enabled = {"civicrm", "civicrmtheme",  "webform_civicrm",
                                   "webform", "civicrm_extra", "unrelated"};
  // By name, except that a module waits for the modules it depends on.
  EXPECT_EQ(dependents_in_enable_order(scan, enabled),
            (std::vector<std::string>{"webform_civicrm", "civicrm_extra", "civicrmtheme"}));
}

TEST(BackdropModules, TransitiveDependentIsPlacedAfterItsDependency) {
  test::TempDir root;
  write_module(root, "civicrm/backdrop", "civicrm", "name = CiviCRM\n");
  write_module(root, "a_dep", "a_dep", "dependencies[] = z_base\n");
  write_module(root, "z_base", "z_base", "dependencies[] = civicrm\n");
  ModuleScan scan = scan_modules(root / "modules");
  EXPECT_EQ(dependents_in_enable_order(scan, {"civicrm", "a_dep", "z_base"}),
            (std::vector<std::string>{"z_base", "a_dep"}));
}

TEST(BackdropModules, SecondCivicrmCopyIsReportedAsDuplicate) {
  test::TempDir root;
  write_module(root, "civicrm/backdrop", "civicrm", "name = CiviCRM\n");
  write_module(root, "old/civicrm-5.60/backdrop", "civicrm", "name = CiviCRM\n");
  ModuleScan scan = scan_modules(root / "modules");
  ASSERT_EQ(scan.duplicates.count("civicrm"), 1u);
  EXPECT_EQ(scan.duplicates.at("civicrm").size(), 2u);
}

TEST(BackdropModules, CycleDoesNotHang) {
  test::TempDir root;
  write_module(root, "a", "a", "dependencies[] = b\n");
  write_module(root, "b", "b", "dependencies[] = a\ndependencies[] = civicrm\n");
  ModuleScan scan = scan_modules(root / "modules");
  auto order = dependents_in_enable_order(scan, {"a", "b", "civicrm"});
  EXPECT_EQ(order.size(), 2u);
}

TEST(BackdropModules, MissingModulesDirIsAnError) {
  test::TempDir root;
  try {
    scan_modules(root / "nope");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("scanning modules in " + (root / "nope").string()), std::string::npos);
  }
}

}  // namespace
}  // namespace civiup
