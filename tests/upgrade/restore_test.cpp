// Restore means restore, and nothing is ever lost (issue 15): `restore` and
// `rollback` bring back every path the snapshot holds (not only
// modules/civicrm), never touch the user data snapshots exclude, say what
// they would discard before changing anything, and keep what they replace as
// a snapshot of its own that `civiup restore` brings back.
#include <sys/mount.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include <fmt/format.h>

#include "civiup/site/site.hpp"
#include "civiup/snapshot/code/code_repository.hpp"
#include "upgrade/tree_filters.hpp"
#include "upgrade/upgrade_fixture.hpp"

namespace civiup {
namespace {

class RestoreTest : public UpgradeTest {
 protected:
  ProcessResult run(std::vector<std::string> args) {
    args.insert(args.end(), {"--root", site_.root.string(), "--json"});
    return test::run_civiup(args);
  }

  // The paths of snapshot `id` as they are live now, against its manifest.
  std::vector<snapshot::PathChange> differences_from(const std::string& id) {
    return snapshot::CodeRepository::open(state_dir() / "code.git").diff_live(id, site_.root);
  }

  static std::string describe(const std::vector<snapshot::PathChange>& changes) {
    std::string text;
    for (const auto& change : changes) text += fmt::format("\n  {} {}", snapshot::to_string(change.kind), change.path);
    return text;
  }

  fs::path system_core() const { return site_.config_dir / "system.core.json"; }
  fs::path civicrm_files() const { return site_.root / "files" / "civicrm"; }
};

TEST_F(RestoreTest, RestoreBringsBackEveryPathOfTheSnapshotAndLeavesUserData) {
  ProcessResult taken = run({"snapshot"});
  ASSERT_EQ(taken.exit_code, 0) << taken.err;
  std::string id = json_of(taken)["snapshot"]["id"].get<std::string>();
  std::string config = read_file(system_core());

  // What a week of administration changes: config, an extension, a settings
  // file's mode, a new directory; and user data that must stay.
  test::write_text(system_core(), "{\"_config_name\": \"system.core\", \"site_name\": \"changed\"}\n");
  test::write_text(civicrm_files() / "ext" / "org.example.new" / "info.xml", "<extension/>\n");
  fs::create_directories(civicrm_files() / "empty-since");
  ::chmod((site_.root / "civicrm.settings.php").c_str(), 0600);
  test::write_text(civicrm_files() / "upload" / "invoice-after-snapshot.pdf", "%PDF user data\n");
  test::write_text(civicrm_files() / "custom" / "photo.jpg", "user data\n");
  ASSERT_FALSE(differences_from(id).empty());

  // Without a terminal, what would be discarded is refused, and shown.
  ProcessResult refused = run({"restore", id, "--yes"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  nlohmann::json discarded = json_of(refused)["discarded"];
  EXPECT_GE(discarded["files_total"].get<size_t>(), 3u) << refused.out;
  EXPECT_EQ(read_file(system_core()).find("changed") != std::string::npos, true) << "nothing changed";

  ProcessResult restored = run({"restore", id, "--yes", "--discard-changes"});
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  std::vector<snapshot::PathChange> left = differences_from(id);
  EXPECT_TRUE(left.empty()) << "the restored paths differ from the snapshot's manifest:" << describe(left);
  EXPECT_EQ(read_file(system_core()), config);
  EXPECT_FALSE(fs::exists(civicrm_files() / "empty-since"));
  struct stat info {};
  ASSERT_EQ(::stat((site_.root / "civicrm.settings.php").c_str(), &info), 0);
  EXPECT_NE(info.st_mode & 0777, 0600u) << "the mode came back";
  EXPECT_EQ(read_file(civicrm_files() / "upload" / "invoice-after-snapshot.pdf"), "%PDF user data\n");
  EXPECT_EQ(read_file(civicrm_files() / "custom" / "photo.jpg"), "user data\n");

  // The replaced state is a snapshot of its own: restoring it undoes the restore.
  std::string kept = json_of(restored)["kept_snapshot"].get<std::string>();
  ProcessResult undone = run({"restore", kept, "--yes", "--discard-changes"});
  ASSERT_EQ(undone.exit_code, 0) << undone.out << undone.err;
  EXPECT_NE(read_file(system_core()).find("changed"), std::string::npos);
  EXPECT_TRUE(fs::exists(civicrm_files() / "ext" / "org.example.new" / "info.xml"));
  EXPECT_EQ(read_file(civicrm_files() / "upload" / "invoice-after-snapshot.pdf"), "%PDF user data\n");
}

TEST_F(RestoreTest, RollbackSaysWhatItWouldDiscardAndKeepsIt) {
  ProcessResult upgraded = upgrade();
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out << upgraded.err;
  // A week of work after the upgrade: a contact, a changed config file.
  auto connection = test::connect(site_.civicrm_db);
  std::string contacts = query(site_.civicrm_db, "SELECT COUNT(*) FROM civicrm_contact");
  test::execute(*connection, "INSERT INTO civicrm_contact (contact_type, display_name) VALUES ('Individual', 'new')");
  test::write_text(system_core(), read_file(system_core()) + "\n");
  SiteState worked = state();

  ProcessResult refused = test::run_civiup({"rollback", "--root", site_.root.string(), "--yes", "--json"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  nlohmann::json discarded = json_of(refused)["discarded"];
  ASSERT_EQ(discarded["tables"].size(), 1u) << refused.out;
  EXPECT_EQ(discarded["tables"][0]["table"], "civicrm_contact");
  EXPECT_EQ(discarded["tables"][0]["rows_then"].get<uint64_t>() + 1,
            discarded["tables"][0]["rows_now"].get<uint64_t>());
  EXPECT_EQ(std::to_string(discarded["tables"][0]["rows_then"].get<uint64_t>()), contacts);
  ASSERT_EQ(discarded["files"].size(), 1u) << refused.out;
  EXPECT_NE(discarded["files"][0]["path"].get<std::string>().find("system.core.json"), std::string::npos);
  expect_same(worked, state());

  ProcessResult rolled_back =
      test::run_civiup({"rollback", "--root", site_.root.string(), "--yes", "--discard-changes", "--json"});
  ASSERT_EQ(rolled_back.exit_code, 0) << rolled_back.out << rolled_back.err;
  EXPECT_EQ(json_of(rolled_back)["discarded"]["tables"].size(), 1u);
  EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), kFrom);
  std::string kept = json_of(rolled_back)["kept_snapshot"].get<std::string>();
  nlohmann::json listed = json_of(run({"snapshots"}))["snapshots"];
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(listed[0]["kind"], "pre-rollback");
  EXPECT_TRUE(listed[0]["restorable"].get<bool>());

  // The rollback undone: the week of work is back, exactly.
  ProcessResult undone = run({"restore", kept, "--yes", "--discard-changes"});
  ASSERT_EQ(undone.exit_code, 0) << undone.out << undone.err;
  SiteState after = state();
  worked.tree = without_compiled_templates(worked.tree);
  after.tree = without_compiled_templates(after.tree);
  expect_same(worked, after);

  // prune keeps the newest pre-rollback snapshot as it keeps the newest pre-upgrade one.
  ASSERT_EQ(run({"prune", "--keep", "0", "--yes"}).exit_code, 0);
  std::set<std::string> kinds;
  nlohmann::json left = json_of(run({"snapshots"}));
  for (const auto& s : left["snapshots"]) kinds.insert(s["kind"].get<std::string>());
  EXPECT_TRUE(kinds.contains("pre-rollback") && kinds.contains("pre-upgrade") && kinds.contains("pre-restore"))
      << left.dump();
}

// A restore exchanges each path with the snapshot's copy by rename: a path
// on another filesystem than the state directory (here files/civicrm on a
// tmpfs of its own) is refused by the rollback's planning and by check, one
// line naming it, exit 2, nothing changed; before this, restore-files failed
// halfway and the rollback undid itself.
TEST_F(RestoreTest, APathOnAnotherFilesystemIsRefusedBeforeAnythingChanges) {
  ProcessResult upgraded = upgrade();
  ASSERT_EQ(upgraded.exit_code, 0) << upgraded.out << upgraded.err;
  fs::path aside = site_.root / "files" / "civicrm.aside";
  fs::rename(civicrm_files(), aside);
  fs::create_directory(civicrm_files());
  // A second filesystem needs root with CAP_SYS_ADMIN.  A container without it
  // (EPERM) says so loudly and does not run the test, as the disk-full test
  // does (tests/faults); any other mount failure fails it.
  if (::mount("tmpfs", civicrm_files().c_str(), "tmpfs", 0, "size=64m,mode=0755") != 0) {
    const int error = errno;
    ASSERT_TRUE(error == EPERM || error == EACCES)
        << "mounting a tmpfs on " << civicrm_files() << ": " << std::strerror(error);
    std::printf("[ not run  ] another-filesystem test: mounting a tmpfs failed: %s\n", std::strerror(error));
    GTEST_SKIP() << "another-filesystem test did not run: mount failed (" << std::strerror(error) << ")";
  }
  struct Unmount {
    fs::path at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{civicrm_files()};
  fs::copy(aside, civicrm_files(), fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::remove_all(aside);
  SiteState before = state();

  ProcessResult refused = test::run_civiup({"rollback", "--root", site_.root.string(), "--yes", "--discard-changes"});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  std::string line = "civiup: error: " + civicrm_files().string() + ": on another filesystem than the state directory";
  EXPECT_TRUE(refused.err.starts_with(line)) << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1) << refused.err;
  expect_same(before, state());
  EXPECT_EQ(read_code_version(site_.root / "modules" / "civicrm").str(), kTo);

  // (The site is at the release's version already: check lists that too.)
  ProcessResult checked = run({"check", "--release", release_.string()});
  EXPECT_EQ(checked.exit_code, 2) << checked.out << checked.err;
  EXPECT_NE(json_of(checked).dump().find(civicrm_files().string() + ": on another filesystem"), std::string::npos)
      << checked.out;
  expect_same(before, state());
}

}  // namespace
}  // namespace civiup
