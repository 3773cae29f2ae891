#include "unchanged_tables.hpp"

#include <algorithm>
#include <cstdlib>

namespace civiup::snapshot::db {

bool same_server_since_dump(Session& session, const DumpManifest& dump) {
  // Uptime has one-second resolution and is read a moment apart: allow 2 s.
  return session.query_value("SELECT @@datadir") == dump.server_datadir &&
         std::llabs(session.server_started_epoch() - dump.server_started_epoch) <= 2;
}

TableComparison compare_with_dump(Session& session, const DumpManifest& dump, const std::vector<std::string>& tables,
                                  const std::vector<LiveObject>& live, bool trust_update_time,
                                  const TableChecksums& checksums) {
  TableComparison result;
  bool trust = trust_update_time && same_server_since_dump(session, dump);
  std::vector<std::string> to_checksum;
  for (const auto& name : tables) {
    const TableEntry* dumped = dump.find_table(name);
    auto object = std::find_if(live.begin(), live.end(),
                               [&](const LiveObject& o) { return o.name == name && o.kind == "table"; });
    bool redefined =
        dumped == nullptr || object == live.end() || show_create_table(session, name) != dumped->create_statement;
    if (redefined || (trust && object->update_epoch > dump.snapshot_epoch))  // or written after the point
      result.changed.push_back(name);
    else if (trust && object->update_epoch >= 0 && object->update_epoch < dump.snapshot_epoch)
      result.unchanged.push_back(name);
    else  // no UPDATE_TIME, not trusted, or written in the second of the point (before or after it)
      to_checksum.push_back(name);
  }
  if (to_checksum.empty()) return result;
  auto sums = checksums(to_checksum);
  for (const auto& name : to_checksum) {
    const TableEntry* dumped = dump.find_table(name);
    auto sum = sums.find(name);
    bool same = dumped->checksum && sum != sums.end() && sum->second == *dumped->checksum;
    (same ? result.unchanged : result.changed).push_back(name);
  }
  result.checksummed = std::move(to_checksum);
  return result;
}

}  // namespace civiup::snapshot::db
