// Progress: a dump and a restore report begin/advance/end through the
// Progress they are given, and a Progress that throws (an injected
// fault, an interrupt) fails them cleanly.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <iostream>
#include <mutex>
#include <vector>

#include "civiup/base/error.hpp"
#include "snapshot_fixture.hpp"

namespace civiup::test {
namespace {

// Records every call (from any thread); optionally throws from the Nth advance.
class RecordingProgress : public Progress {
 public:
  explicit RecordingProgress(int throw_at_advance = 0) : throw_at_(throw_at_advance) {}

  void begin(std::string_view step, uint64_t total, std::string_view unit) override {
    std::lock_guard lock(mutex_);
    steps.push_back(std::string(step));
    total_ = total;
    unit_ = unit;
  }
  void advance(uint64_t units, uint64_t bytes) override {
    std::lock_guard lock(mutex_);
    units_ += units;
    bytes_ += bytes;
    if (++advances_ == throw_at_) throw Error("injected fault in progress");
  }
  void end() override {
    std::lock_guard lock(mutex_);
    ++ends;
  }

  std::vector<std::string> steps;
  int ends = 0;
  uint64_t total_ = 0, units_ = 0, bytes_ = 0;
  std::string unit_;

 private:
  std::mutex mutex_;
  int throw_at_ = 0;
  int advances_ = 0;
};

void create_tables(const std::string& database) {
  run_sql(database, R"sql(
CREATE TABLE contact (id INT PRIMARY KEY, name VARCHAR(40), KEY (name));
CREATE TABLE email (id INT PRIMARY KEY, contact_id INT, email VARCHAR(60));
CREATE TABLE setting (name VARCHAR(40) PRIMARY KEY, value TEXT);
INSERT INTO contact SELECT seq, CONCAT('name ', seq) FROM seq_1_to_3000;
INSERT INTO email SELECT seq, seq, CONCAT('c', seq, '@example.org') FROM seq_1_to_3000;
INSERT INTO setting VALUES ('version', '5.74.0'))sql");
}

TEST(Progress, DumpAndRestoreReportEveryTable) {
  TempDir temp;
  ScratchDatabase live("progress");
  create_tables(live.name());
  RecordingProgress dumping;
  db::DumpOptions dump_options;
  dump_options.progress = &dumping;
  dump_options.chunk_bytes = 16 << 10;  // contact and email in several key ranges
  db::DumpManifest manifest = db::dump_database(snapshot_login(), live.name(), temp / "dump", dump_options);
  EXPECT_EQ(dumping.steps, std::vector<std::string>{"dumping " + live.name()});
  EXPECT_EQ(dumping.total_, 3u);
  EXPECT_EQ(dumping.unit_, "tables");
  EXPECT_EQ(dumping.units_, 3u) << "each table counted once, however many key ranges it has";
  EXPECT_EQ(dumping.bytes_,
            manifest.tables[0].data_bytes + manifest.tables[1].data_bytes + manifest.tables[2].data_bytes);
  EXPECT_EQ(dumping.ends, 1);

  ScratchDatabase copy("progresscopy");
  RecordingProgress restoring;
  db::RestoreOptions restore_options;
  restore_options.progress = &restoring;
  db::restore_database(snapshot_login(), copy.name(), temp / "dump", restore_options);
  EXPECT_EQ(restoring.steps, std::vector<std::string>{"restoring " + copy.name()});
  EXPECT_EQ(restoring.total_, 3u);
  EXPECT_EQ(restoring.units_, 3u);
  EXPECT_GT(restoring.bytes_, 0u);
  EXPECT_EQ(restoring.ends, 1);
}

TEST(Progress, ThrowingFromAdvanceFailsTheDumpWithoutAManifest) {
  TempDir temp;
  ScratchDatabase live("progressfail");
  create_tables(live.name());
  RecordingProgress failing(2);
  db::DumpOptions options;
  options.progress = &failing;
  try {
    db::dump_database(snapshot_login(), live.name(), temp / "dump", options);
    ADD_FAILURE() << "a Progress that throws must fail the dump";
  } catch (const Error& e) {
    EXPECT_TRUE(is_one_line(e.what())) << e.what();
    std::cout << "  error: " << e.what() << "\n";
    EXPECT_NE(std::string(e.what()).find("injected fault in progress"), std::string::npos) << e.what();
  }
  EXPECT_EQ(failing.ends, 1);
  EXPECT_FALSE(std::filesystem::exists(temp / "dump" / db::kManifestName));
  EXPECT_FALSE(db::is_usable_dump(temp / "dump"));
}

TEST(Progress, ThrowingFromAdvanceFailsTheRestoreWithAClearError) {
  TempDir temp;
  ScratchDatabase live("progressrest");
  create_tables(live.name());
  db::dump_database(snapshot_login(), live.name(), temp / "dump");
  ScratchDatabase copy("progressrestcopy");
  RecordingProgress failing(1);
  db::RestoreOptions options;
  options.progress = &failing;
  try {
    db::restore_database(snapshot_login(), copy.name(), temp / "dump", options);
    ADD_FAILURE() << "a Progress that throws must fail the restore";
  } catch (const Error& e) {
    EXPECT_TRUE(is_one_line(e.what())) << e.what();
    std::cout << "  error: " << e.what() << "\n";
    EXPECT_NE(std::string(e.what()).find("restoring database `" + copy.name() + "`"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("injected fault in progress"), std::string::npos) << e.what();
  }
  EXPECT_EQ(failing.ends, 1);
  // The same dump restores when nothing throws.
  db::restore_database(snapshot_login(), copy.name(), temp / "dump");
  expect_same_image(database_fingerprint(live.name()), database_fingerprint(copy.name()));
}

}  // namespace
}  // namespace civiup::test
