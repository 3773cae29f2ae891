#pragma once
// What each base table holds now, as one short text: its row digest in the
// form dump manifests record ("rows:hash", table_rows.hpp), so a live
// database compares with a dump, or with digests recorded earlier, table by
// table.  Used to tell what a rollback or restore would discard.
#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "civiup/snapshot/db/database_login.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"

namespace civiup::snapshot::db {

// Digests and when, on which server, they were read: a later read on the same
// not-restarted server can trust InnoDB's in-memory UPDATE_TIME against
// `read_epoch` instead of reading a table again.
struct TableDigests {
  std::map<std::string, std::string> tables;  // table name -> "rows:hash"
  int64_t read_epoch = 0;                     // the server's UNIX_TIMESTAMP() before anything was read (0: unknown)
  int64_t server_started_epoch = 0;           // UNIX_TIMESTAMP() - Uptime, to tell a restarted server
  std::string server_datadir;
  size_t tables_reused = 0;  // of a live read: digests taken over from `known`, not read again

  nlohmann::json to_json() const;
  // Also the older form: a bare {table: digest} object (nothing trusted).
  static TableDigests from_json(const nlohmann::json& json);
};

struct LiveDigestOptions {
  int jobs = 4;  // connections reading at once; a big table is read in key ranges over them
  // Digests read earlier: a table whose UPDATE_TIME and CREATE_TIME are both
  // before known->read_epoch, on the same not-restarted server, keeps its
  // known digest (it has not been written since) and is not read.
  const TableDigests* known = nullptr;
};

// The digest of every base table of `database` now.
TableDigests live_table_digests(const DatabaseLogin& login, const std::string& database,
                                const LiveDigestOptions& options = {});

// The digest of the rows of one table of `database` that match `condition`
// (SQL, e.g. "`name` <> 'x'"), now; "" when there is no such table.
std::string live_rows_digest(const DatabaseLogin& login, const std::string& database, const std::string& table,
                             const std::string& condition);

// The digests a dump's manifest records, with its consistent point and server
// (tables without a digest are left out).
TableDigests dumped_table_digests(const DumpManifest& manifest);

// The row count of a "rows:hash" digest (0 when it is not one).
uint64_t digest_rows(const std::string& digest);

}  // namespace civiup::snapshot::db
