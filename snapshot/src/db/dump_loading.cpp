#include "dump_loading.hpp"

#include <algorithm>
#include <atomic>
#include <string_view>

#include "civiup/base/error.hpp"
#include "sql_files.hpp"
#include "sql_script.hpp"
#include "zstd_sql_file.hpp"

namespace civiup::snapshot::db {
namespace fs = std::filesystem;

void run_parallel(const DatabaseLogin& login, const std::string& database, int jobs, const std::vector<Task>& tasks) {
  if (tasks.empty()) return;
  // One connection per thread, each taking the next task: no more threads than tasks.
  const size_t connections = std::min<size_t>(thread_count(jobs), tasks.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  parallel_for(
      connections, static_cast<unsigned>(connections),
      [&](size_t) {
        Session session(login, database);
        for (size_t index = next++; index < tasks.size() && !failed; index = next++) tasks[index](session);
      },
      1, &failed);
}

namespace {

// Data files hold one statement per line (values never contain a raw newline).
// With `parts` > 1 only the INSERTs that start in the part-th of `parts` equal
// slices of the file's SQL run: rows of one key range, in key order, so the
// connections that load the other parts do not insert into the same pages.
void load_data_file(Session& session, const fs::path& path, const std::string& at_begin, uint64_t sql_bytes,
                    size_t part, size_t parts) {
  const std::string_view begin_line = kBeginData, commit_line = kEndData;
  const uint64_t from = sql_bytes / parts * part, to = part + 1 == parts ? UINT64_MAX : sql_bytes / parts * (part + 1);
  uint64_t offset = 0;
  read_zstd_lines(path, [&](std::string_view line) {
    const uint64_t at = offset;
    offset += line.size() + 1;
    if (line.empty() || line.rfind("--", 0) == 0) return;
    if (begin_line.substr(0, begin_line.size() - 1) == line) {
      if (!at_begin.empty()) session.execute(at_begin);
      return;
    }
    if (commit_line.substr(0, commit_line.size() - 1) == line) return;
    if (line.starts_with("INSERT") && (at < from || at >= to)) return;
    if (line.back() == ';') line.remove_suffix(1);
    session.execute(std::string(line));
  });
}

}  // namespace

void load_file(Session& session, const fs::path& dir, const DumpFile& file, const std::string& at_begin, size_t part,
               size_t parts) {
  std::string what = file.kind == "view-standins" ? "view stand-ins" : fmt::format("{} `{}`", file.kind, file.object);
  if (file.kind == "data") what = fmt::format("table `{}`", file.object);
  with_context(fmt::format("restoring {} from {}", what, file.name), [&] {
    if (file.kind == "data") {
      load_data_file(session, dir / file.name, at_begin, file.sql_bytes, part, std::max<size_t>(1, parts));
      return;
    }
    for (const auto& statement : split_sql_script(read_zstd_file(dir / file.name))) session.execute(statement);
  });
}

void check_file(const fs::path& dir, const DumpFile& file) {
  uint64_t size = 0;
  read_zstd_file(dir / file.name, [&](std::string_view block) { size += block.size(); });
  if (size != file.sql_bytes) fail("{}: {} bytes of SQL, the manifest says {}", file.name, size, file.sql_bytes);
}

}  // namespace civiup::snapshot::db
