#pragma once
// What each base table holds now, as one short text: its row digest in the
// form dump manifests record ("rows:hash", table_rows.hpp), so a live
// database compares with a dump, or with digests recorded earlier, table by
// table.  Used to tell what a rollback or restore would discard.
#include <map>
#include <string>

#include "civiup/snapshot/db/database_login.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"

namespace civiup::snapshot::db {

// Table name -> "rows:hash" of every base table of `database` now (reads every row).
std::map<std::string, std::string> live_table_digests(const DatabaseLogin& login, const std::string& database);

// The same map as recorded in a dump's manifest (tables without a digest are left out).
std::map<std::string, std::string> dumped_table_digests(const DumpManifest& manifest);

// The row count of a "rows:hash" digest (0 when it is not one).
uint64_t digest_rows(const std::string& digest);

}  // namespace civiup::snapshot::db
