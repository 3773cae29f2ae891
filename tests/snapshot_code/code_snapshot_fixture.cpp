#include "code_snapshot_fixture.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/unique_fd.hpp"

namespace civiup::test {

namespace {

void describe_into(const fs::path& root, const fs::path& relative, TreeDescription& out) {
  for (const auto& item : fs::directory_iterator(root / relative)) {
    fs::path child = relative / item.path().filename();
    struct stat status {};
    if (::lstat((root / child).c_str(), &status) != 0) throw std::runtime_error("lstat " + (root / child).string());
    TreeEntry entry;
    entry.uid = status.st_uid;
    entry.gid = status.st_gid;
    if (S_ISDIR(status.st_mode)) {
      entry.type = 'd';
      entry.mode = status.st_mode & 07777;
    } else if (S_ISLNK(status.st_mode)) {
      entry.type = 'l';
      entry.content = fs::read_symlink(root / child).string();
    } else if (S_ISREG(status.st_mode)) {
      entry.type = 'f';
      entry.mode = status.st_mode & 07777;
      entry.content = read_bytes(root / child);
    }
    out[child.string()] = entry;
    if (entry.type == 'd') describe_into(root, child, out);
  }
}

std::string describe(const TreeEntry& entry) {
  std::string content = entry.content.size() > 40 ? entry.content.substr(0, 40) + "..." : entry.content;
  return fmt::format("{} {:04o} {}:{} {} bytes {:?}", entry.type, entry.mode, entry.uid, entry.gid,
                     entry.content.size(), content);
}

}  // namespace

TreeDescription describe_tree(const fs::path& root) {
  TreeDescription out;
  describe_into(root, "", out);
  return out;
}

std::string tree_differences(const TreeDescription& expected, const TreeDescription& actual) {
  std::ostringstream out;
  int shown = 0;
  auto note = [&](const std::string& line) {
    if (shown++ < 20) out << "  " << line << "\n";
  };
  for (const auto& [path, entry] : expected) {
    auto it = actual.find(path);
    if (it == actual.end()) {
      note(fmt::format("{:?}: missing (expected {})", path, describe(entry)));
    } else if (!(it->second == entry)) {
      note(fmt::format("{:?}: expected {}, got {}", path, describe(entry), describe(it->second)));
    }
  }
  for (const auto& [path, entry] : actual) {
    if (expected.count(path) == 0) note(fmt::format("{:?}: unexpected {}", path, describe(entry)));
  }
  if (shown > 20) out << "  ... " << shown - 20 << " more\n";
  return out.str();
}

void write_file(const fs::path& path, const std::string& content, mode_t mode) {
  fs::create_directories(path.parent_path());
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) throw std::runtime_error("cannot create " + path.string());
  bool ok = ::write(fd.get(), content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ok = ::fchmod(fd.get(), mode) == 0 && ok;
  if (!ok) throw std::runtime_error("cannot write " + path.string());
}

void make_symlink(const std::string& target, const fs::path& link) {
  fs::create_directories(link.parent_path());
  if (::symlink(target.c_str(), link.c_str()) != 0) throw std::runtime_error("cannot create symlink " + link.string());
}

void set_owner(const fs::path& path, uid_t uid, gid_t gid) {
  if (::lchown(path.c_str(), uid, gid) != 0) throw std::runtime_error("cannot chown " + path.string());
}

void set_mode(const fs::path& path, mode_t mode) {
  if (::chmod(path.c_str(), mode) != 0) throw std::runtime_error("cannot chmod " + path.string());
}

std::string read_bytes(const fs::path& path) { return read_file(path); }

std::string quoted(const fs::path& path) {
  std::string out = "'";
  for (char c : path.string()) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string shell(const std::string& command) {
  std::string wrapped = command + " 2>&1";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(wrapped.c_str(), "r"), ::pclose);
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string out;
  std::array<char, 4096> chunk{};
  while (std::size_t got = std::fread(chunk.data(), 1, chunk.size(), pipe.get())) out.append(chunk.data(), got);
  int status = ::pclose(pipe.release());
  EXPECT_EQ(status, 0) << "command failed: " << command << "\n" << out;
  return out;
}

bool running_as_root() { return ::geteuid() == 0; }

CodeSnapshotTest::CodeSnapshotTest()
    : site_(temp_.path() / "site"), repository_(snap::CodeRepository::open(temp_.path() / "repo")) {
  fs::create_directories(site_);
}

snap::CodeSnapshotResult CodeSnapshotTest::take(const std::vector<std::string>& paths,
                                                const std::vector<std::string>& exclude) {
  snap::CodeSnapshotSpec spec;
  spec.root = site_;
  spec.paths = paths;
  spec.exclude = exclude;
  spec.message = "test snapshot";
  spec.tool_version = "test";
  spec.durable = false;
  return repository_.snapshot(spec);
}

void CodeSnapshotTest::wait_for_a_clock_tick() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }

fs::path CodeSnapshotTest::fresh_dir(const std::string& name) {
  return temp_.path() / fmt::format("{}-{}", name, ++fresh_count_);
}

TreeDescription CodeSnapshotTest::restored(const std::string& id) {
  fs::path target = fresh_dir("restored");
  snap::RestoreOptions options;
  options.sync = false;
  repository_.restore(id, target, options);
  return describe_tree(target);
}

void CodeSnapshotTest::expect_round_trip() {
  TreeDescription before = describe_tree(site_);
  auto result = take();
  TreeDescription after = restored(result.info.id);
  EXPECT_EQ(before.size(), after.size());
  EXPECT_EQ(tree_differences(before, after), "");
  EXPECT_EQ(describe_tree(site_), before) << "the snapshot changed the live tree";
}

}  // namespace civiup::test
