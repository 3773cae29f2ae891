#include "civiup/snapshot/db/table_digests.hpp"

#include <charconv>

#include "catalogue.hpp"
#include "civiup/base/error.hpp"
#include "session.hpp"
#include "table_rows.hpp"

namespace civiup::snapshot::db {

std::map<std::string, std::string> live_table_digests(const DatabaseLogin& login, const std::string& database) {
  return with_context(fmt::format("reading the tables of `{}`", database), [&] {
    // The catalogue on one session, the rows streamed on another.
    Session catalogue_session(login, database);
    Catalogue catalogue = read_catalogue(catalogue_session, database);
    Session rows(login, database);
    std::map<std::string, std::string> digests;
    for (const TableInfo& table : catalogue.tables) {
      digests[table.name] = with_context(fmt::format("checksumming table `{}`", table.name),
                                         [&] { return digest_table(rows, table).text(); });
    }
    return digests;
  });
}

std::map<std::string, std::string> dumped_table_digests(const DumpManifest& manifest) {
  std::map<std::string, std::string> digests;
  for (const TableEntry& table : manifest.tables) {
    if (table.checksum) digests[table.name] = *table.checksum;
  }
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
