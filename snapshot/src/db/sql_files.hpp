#pragma once
// Names and headers of the dump's SQL files.  Names sort into load order
// (the group number and index come first, so any locale's collation keeps
// them in order): that is what makes `zstdcat DIR/*.sql.zst | mariadb DB` work.
#include <cstddef>
#include <string>

#include "catalogue.hpp"

namespace civiup::snapshot::db {

// The session every file starts with: permissive sql_mode so zero dates and
// explicit zero ids load as dumped, UTC for TIMESTAMPs, checks off for speed.
inline constexpr const char* kLoadSqlMode = "NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION";

std::string table_file_name(const std::string& table);
std::string data_file_name(const std::string& table, size_t chunk);
std::string routine_file_name(const std::string& kind, const std::string& name);
std::string view_standins_file_name();
std::string view_file_name(size_t index, const std::string& view);
std::string triggers_file_name(const std::string& table);
std::string event_file_name(const std::string& name);

// A data file: header, START TRANSACTION, INSERTs, COMMIT - one statement per line.
inline constexpr const char* kBeginData = "START TRANSACTION;\n";
inline constexpr const char* kEndData = "COMMIT;\n";
std::string data_header(bool system_versioned);

// DDL statements of one file, each between DELIMITER lines (a delimiter its text lacks),
// so bodies with ';' load in the stock client too.
std::string program_file(const ProgramInfo& program);
std::string table_file(const TableInfo& table);
std::string view_file(const ViewInfo& view);
std::string view_standins_file(const std::vector<ViewInfo>& views);

}  // namespace civiup::snapshot::db
