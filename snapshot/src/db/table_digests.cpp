#include "civiup/snapshot/db/table_digests.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <mutex>

#include "catalogue.hpp"
#include "civiup/base/error.hpp"
#include "dump_loading.hpp"
#include "session.hpp"
#include "table_rows.hpp"

namespace civiup::snapshot::db {
namespace {

int64_t epoch_or(const Value& value, int64_t missing) { return value ? std::stoll(*value) : missing; }

// The tables `known` still describes: not written (UPDATE_TIME) nor altered or
// recreated (CREATE_TIME) since its read began.  InnoDB keeps UPDATE_TIME in
// memory only, so it counts on the same server, not restarted since (Uptime
// has one-second resolution: 2 s of slack, as unchanged_tables.cpp allows).
std::map<std::string, std::string> still_known(Session& session, const std::string& database,
                                               const TableDigests& result, const TableDigests& known) {
  std::map<std::string, std::string> reused;
  if (known.read_epoch <= 0 || known.server_datadir != result.server_datadir ||
      std::llabs(known.server_started_epoch - result.server_started_epoch) > 2) {
    return reused;
  }
  for (const Row& row : session.query(
           "SELECT TABLE_NAME, UNIX_TIMESTAMP(UPDATE_TIME), UNIX_TIMESTAMP(CREATE_TIME) FROM information_schema.TABLES "
           "WHERE TABLE_SCHEMA = " +
           quote_string(database))) {
    if (!row[0]) continue;
    auto digest = known.tables.find(*row[0]);
    if (digest == known.tables.end()) continue;
    int64_t updated = epoch_or(row[1], -1), created = epoch_or(row[2], -1);
    // The same second as the read's start may be before or after it: read again.
    if (updated >= 0 && updated < known.read_epoch && created >= 0 && created < known.read_epoch) {
      reused.insert(*digest);
    }
  }
  return reused;
}

}  // namespace

nlohmann::json TableDigests::to_json() const {
  return {{"tables", tables},
          {"read_epoch", read_epoch},
          {"server_started_epoch", server_started_epoch},
          {"server_datadir", server_datadir}};
}

TableDigests TableDigests::from_json(const nlohmann::json& json) {
  TableDigests digests;
  if (!json.contains("tables")) {
    digests.tables = json.get<std::map<std::string, std::string>>();
    return digests;
  }
  json.at("tables").get_to(digests.tables);
  json.at("read_epoch").get_to(digests.read_epoch);
  json.at("server_started_epoch").get_to(digests.server_started_epoch);
  json.at("server_datadir").get_to(digests.server_datadir);
  return digests;
}

TableDigests live_table_digests(const DatabaseLogin& login, const std::string& database,
                                const LiveDigestOptions& options) {
  return with_context(fmt::format("reading the tables of `{}`", database), [&] {
    Session session(login, database);
    TableDigests result;
    // Before anything is read: a write after this moment has a later UPDATE_TIME.
    result.read_epoch = epoch_or(session.query_value("SELECT UNIX_TIMESTAMP()"), 0);
    result.server_datadir = session.query_value("SELECT @@datadir").value_or("");
    result.server_started_epoch = session.server_started_epoch();
    Catalogue catalogue = read_catalogue(session, database);
    if (options.known != nullptr) result.tables = still_known(session, database, result, *options.known);
    result.tables_reused = result.tables.size();

    // The rest is read as the restore verifies: a table bigger than its share
    // in key ranges, so one big table does not leave the other connections idle.
    const uint64_t jobs = static_cast<uint64_t>(std::max(1, options.jobs));
    uint64_t total = 0;
    for (const TableInfo& table : catalogue.tables)
      if (!result.tables.contains(table.name)) total += table.data_length;
    std::map<std::string, RowDigest> read;
    std::mutex mutex;
    std::vector<Task> tasks;
    for (const TableInfo& table : catalogue.tables) {
      if (result.tables.contains(table.name)) continue;
      read[table.name];  // an empty table has no range to add to it
      const bool big = jobs > 1 && table.data_length > total / jobs;
      for (const std::string& where : key_ranges(session, table, big ? 4 * jobs : 1)) {
        tasks.push_back([&, where, info = &table](Session& rows) {
          RowDigest digest = with_context(fmt::format("checksumming table `{}`", info->name),
                                          [&] { return digest_table(rows, *info, where); });
          std::lock_guard lock(mutex);
          read[info->name].merge(digest);
        });
      }
    }
    run_parallel(login, database, options.jobs, tasks);
    for (const auto& [name, digest] : read) result.tables[name] = digest.text();
    return result;
  });
}

std::string live_rows_digest(const DatabaseLogin& login, const std::string& database, const std::string& table,
                             const std::string& condition) {
  return with_context(fmt::format("checksumming table `{}`.`{}`", database, table), [&] {
    Session session(login, database);
    for (const TableInfo& info : read_catalogue(session, database).tables) {
      if (info.name == table) return digest_table(session, info, " WHERE " + condition).text();
    }
    return std::string();
  });
}

TableDigests dumped_table_digests(const DumpManifest& manifest) {
  TableDigests digests;
  for (const TableEntry& table : manifest.tables) {
    if (table.checksum) digests.tables[table.name] = *table.checksum;
  }
  digests.read_epoch = manifest.snapshot_epoch;
  digests.server_started_epoch = manifest.server_started_epoch;
  digests.server_datadir = manifest.server_datadir;
  return digests;
}

uint64_t digest_rows(const std::string& digest) {
  uint64_t rows = 0;
  size_t colon = digest.find(':');
  if (colon == std::string::npos) return 0;
  auto [end, error] = std::from_chars(digest.data(), digest.data() + colon, rows);
  return error == std::errc() && end == digest.data() + colon ? rows : 0;
}

}  // namespace civiup::snapshot::db
