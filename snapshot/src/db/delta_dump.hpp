#pragma once
// The delta part of a dump (DumpOptions::base): which tables are taken from
// the base dump instead of being dumped again, and their files linked in.
#include <filesystem>
#include <memory>
#include <vector>

#include "catalogue.hpp"
#include "civiup/snapshot/db/database_dump.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {

// Compares every table of `catalogue` with the base dump (unchanged_tables.hpp;
// checksums, when needed, on `workers`, inside the dump's consistent snapshot).
// Each unchanged table gets the base's manifest entry in `manifest.tables` (same
// index as in the catalogue) and its table and data files hard-linked (or
// copied, across filesystems) into `dir` and listed in `manifest.files`.  Returns, per
// catalogue table, whether it was taken from the base.
std::vector<bool> reuse_unchanged_tables(Session& session, std::vector<std::unique_ptr<Session>>& workers,
                                         const Catalogue& catalogue, const DumpOptions& options,
                                         const std::filesystem::path& dir, DumpManifest& manifest);

}  // namespace civiup::snapshot::db
