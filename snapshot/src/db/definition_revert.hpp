#pragma once
// Undoing an upgrade's additions to a table in place, instead of reloading it:
// a CiviCRM upgrade mostly adds columns, keys and foreign keys to big tables
// and fills the new columns, leaving the old columns' values alone.  Dropping
// the additions (instant in MariaDB) gives back the dumped definition; the
// rows are then compared with the dump by their digest, and the table is
// reloaded only when they differ.  See docs/database-snapshots.md.
#include <optional>
#include <string>

namespace civiup::snapshot::db {

enum class AlterAlgorithm { mariadb_nocopy, mysql_instant };

// The ALTER TABLE that turns `live` (SHOW CREATE TABLE output) back into
// `dumped`, when `live` is `dumped` plus column, KEY/UNIQUE/FULLTEXT/SPATIAL
// key and FOREIGN KEY lines (in any places), and perhaps another AUTO_INCREMENT
// value; nullopt when it is anything else (a changed or removed line, another
// table option, partitions) or the same.  The statement names an algorithm
// that never copies the table: the server refuses it rather than rebuild.
std::optional<std::string> revert_statement(const std::string& table, const std::string& live,
                                            const std::string& dumped, AlterAlgorithm algorithm);

// SHOW CREATE TABLE output without its AUTO_INCREMENT=N table option.
std::string without_auto_increment(const std::string& create_statement);

}  // namespace civiup::snapshot::db
