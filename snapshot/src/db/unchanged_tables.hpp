#pragma once
// Which live tables still hold exactly what a dump holds: the one decision
// behind both the selective restore (reload only what changed) and the delta
// dump (re-dump only what changed).  See docs/database-snapshots.md.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "catalogue.hpp"
#include "civiup/snapshot/db/dump_manifest.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {

// Row digests (RowDigest::text()) of the named live tables.
using TableChecksums = std::function<std::map<std::string, std::string>(const std::vector<std::string>& tables)>;

struct TableComparison {
  std::vector<std::string> unchanged;    // same definition, and untouched (UPDATE_TIME) or same checksum
  std::vector<std::string> changed;      // missing on one side, definition differs, or checksum differs
  std::vector<std::string> checksummed;  // compared by checksum (UPDATE_TIME missing or not trusted)
};

// True when `session`'s server is the one that took `dump` and has not
// restarted since: InnoDB's in-memory UPDATE_TIME is then comparable with the
// dump's consistent point.
bool same_server_since_dump(Session& session, const DumpManifest& dump);

// Compares each of `tables` (names) as it is live with the dump.  Changed when
// missing on either side or SHOW CREATE TABLE differs.  Otherwise, with
// `trust_update_time` on the same not-restarted server and an UPDATE_TIME:
// unchanged when its second is before the dump's consistent point's, changed
// when after (neither is read).  Otherwise (the same second, no UPDATE_TIME
// e.g. after a restart, or not trusted) unchanged when its live checksum
// (computed through `checksums`, for all such tables at once) equals the dump's.
TableComparison compare_with_dump(Session& session, const DumpManifest& dump, const std::vector<std::string>& tables,
                                  const std::vector<LiveObject>& live, bool trust_update_time,
                                  const TableChecksums& checksums);

}  // namespace civiup::snapshot::db
