#include "sql_files.hpp"

#include <fmt/format.h>

namespace civiup::snapshot::db {
namespace {

// Object names in file names: [A-Za-z0-9_] as they are, other bytes as @xx.
std::string encode(const std::string& name) {
  std::string out;
  for (char byte : name) {
    auto c = static_cast<unsigned char>(byte);
    if (std::isalnum(c) != 0 || c == '_')
      out += static_cast<char>(c);
    else
      out += fmt::format("@{:02x}", c);
  }
  return out;
}

std::string session_header() {
  return fmt::format(
      "SET NAMES utf8mb4;\n"
      "SET SESSION time_zone = '+00:00', sql_mode = '{}', FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 0;\n",
      kLoadSqlMode);
}

// A statement between DELIMITER lines, with a delimiter its text does not contain
// (a body may hold ";;" in a string or comment).
std::string ddl(const std::string& statement) {
  std::string delimiter = ";;";
  for (const char* candidate : {";;", "$$", "//", ";;;;", "$$$$", "////"}) {
    delimiter = candidate;
    if (statement.find(delimiter) == std::string::npos) break;
  }
  for (int i = 0; statement.find(delimiter) != std::string::npos; ++i) delimiter = fmt::format(";;{};;", i);
  return fmt::format("DELIMITER {0}\n{1}\n{0}\nDELIMITER ;\n", delimiter, statement);
}

}  // namespace

std::string table_file_name(const std::string& table) { return "10-table-" + encode(table) + ".sql.zst"; }
std::string data_file_name(const std::string& table, size_t chunk) {
  return fmt::format("20-data-{}-{:05}.sql.zst", encode(table), chunk);
}
std::string routine_file_name(const std::string& kind, const std::string& name) {
  return fmt::format("30-{}-{}.sql.zst", kind, encode(name));
}
std::string view_standins_file_name() { return "40-view-standins.sql.zst"; }
std::string view_file_name(size_t index, const std::string& view) {
  return fmt::format("50-view-{:05}-{}.sql.zst", index, encode(view));
}
std::string triggers_file_name(const std::string& table) { return "60-triggers-" + encode(table) + ".sql.zst"; }
std::string event_file_name(const std::string& name) { return "70-event-" + encode(name) + ".sql.zst"; }

std::string data_header(bool system_versioned) {
  std::string header = session_header();
  // MariaDB 10.11+: history rows keep their ROW_START/ROW_END.
  if (system_versioned) header += "SET SESSION system_versioning_insert_history = 1;\n";
  // One transaction into an empty table with unique and foreign-key checks off
  // lets InnoDB (MariaDB 10.6+) bulk-load it: sorted index builds, no row undo log.
  return header + kBeginData;
}

std::string table_file(const TableInfo& table) { return session_header() + ddl(table.create_statement); }

std::string program_file(const ProgramInfo& program) {
  std::string out = session_header();
  // The context the object was created in: it is recorded with it and used when it runs.
  out += fmt::format("SET SESSION sql_mode = {};\n", quote_string(program.sql_mode));
  if (!program.time_zone.empty()) out += fmt::format("SET SESSION time_zone = {};\n", quote_string(program.time_zone));
  if (!program.character_set_client.empty())
    out += fmt::format("SET SESSION character_set_client = {};\n", quote_string(program.character_set_client));
  if (!program.collation_connection.empty())
    out += fmt::format("SET SESSION collation_connection = {};\n", quote_string(program.collation_connection));
  out += ddl(program.create_statement);
  return out + session_header();  // back to the load context for whatever follows
}

std::string view_file(const ViewInfo& view) {
  std::string out = session_header();
  if (!view.character_set_client.empty())
    out += fmt::format("SET SESSION character_set_client = {};\n", quote_string(view.character_set_client));
  if (!view.collation_connection.empty())
    out += fmt::format("SET SESSION collation_connection = {};\n", quote_string(view.collation_connection));
  out += ddl(view.create_statement);
  return out + session_header();  // back to the load context for whatever follows
}

std::string view_standins_file(const std::vector<ViewInfo>& views) {
  // Stand-ins with the right column names let views refer to views in any order.
  std::string out = session_header();
  for (const auto& view : views) {
    std::string columns;
    for (const auto& column : view.columns)
      columns += fmt::format("{}1 AS {}", columns.empty() ? "" : ", ", quote_identifier(column));
    if (columns.empty()) columns = "1 AS `1`";
    out += fmt::format("CREATE OR REPLACE VIEW {} AS SELECT {};\n", quote_identifier(view.name), columns);
  }
  return out;
}

}  // namespace civiup::snapshot::db
