#include "delta_dump.hpp"

#include <atomic>
#include <map>
#include <mutex>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "dump_loading.hpp"
#include "row_ranges.hpp"
#include "table_rows.hpp"
#include "unchanged_tables.hpp"

namespace civiup::snapshot::db {
namespace fs = std::filesystem;
namespace {

// Dump files are never modified once committed, so two dumps may share them.
void link_or_copy(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_hard_link(from, to, ec);
  if (!ec) return;
  with_context(fmt::format("copying {} (no hard link: {})", from.string(), ec.message()), [&] {
    fs::copy_file(from, to);
    fsync_path(to);
  });
}

// Row digests as of the consistent point: on the dump's own workers, before they dump.
std::map<std::string, std::string> digests_at_point(std::vector<std::unique_ptr<Session>>& workers,
                                                    const Catalogue& catalogue,
                                                    const std::vector<std::string>& tables) {
  std::map<std::string, std::string> sums;
  std::mutex mutex;
  std::atomic<size_t> next{0};
  parallel_for(workers.size(), static_cast<unsigned>(workers.size()), [&](size_t w) {
    for (size_t i = next++; i < tables.size(); i = next++) {
      auto info = std::find_if(catalogue.tables.begin(), catalogue.tables.end(),
                               [&](const TableInfo& t) { return t.name == tables[i]; });
      RowDigest digest = with_context(fmt::format("checksumming table `{}`", tables[i]),
                                      [&] { return digest_table(*workers[w], *info); });
      std::lock_guard lock(mutex);
      sums[tables[i]] = digest.text();
    }
  });
  return sums;
}

}  // namespace

std::vector<bool> reuse_unchanged_tables(Session& session, std::vector<std::unique_ptr<Session>>& workers,
                                         const Catalogue& catalogue, const DumpOptions& options, const fs::path& dir,
                                         DumpManifest& manifest) {
  return with_context(fmt::format("taking unchanged tables from base dump {}", options.base.string()), [&] {
    std::vector<bool> reused(catalogue.tables.size(), false);
    const DumpManifest base = load_manifest(options.base);
    if (base.database != manifest.database) fail("it is a dump of database `{}`", base.database);
    manifest.base_dump = options.base.string();
    // A base without comparable checksums can still vouch for UPDATE_TIME-unchanged
    // tables, but their entries would lack the digest this dump records: dump all.
    if (base.checksum_method != manifest.checksum_method) return reused;

    std::vector<std::string> names;
    for (const auto& table : catalogue.tables) names.push_back(table.name);
    TableComparison comparison = compare_with_dump(
        session, base, names, list_live_objects(session, manifest.database), options.trust_update_time,
        [&](const std::vector<std::string>& tables) { return digests_at_point(workers, catalogue, tables); });
    for (const auto& name : comparison.unchanged) {
      size_t t = 0;
      while (catalogue.tables[t].name != name) ++t;
      reused[t] = true;
      manifest.tables[t] = *base.find_table(name);
      for (const auto& file : base.files) {
        // Its table file too: it is made from the CREATE statement alone, which is equal.
        // And its row ranges (made from the rows alone).
        if ((file.kind != "data" && file.kind != "table" && file.kind != kRowRangesKind) || file.object != name)
          continue;
        link_or_copy(options.base / file.name, dir / file.name);
        manifest.files.push_back(file);
      }
    }
    manifest.reused_tables = std::move(comparison.unchanged);
    manifest.checksummed_tables = std::move(comparison.checksummed);
    return reused;
  });
}

}  // namespace civiup::snapshot::db
