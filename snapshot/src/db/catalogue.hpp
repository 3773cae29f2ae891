#pragma once
// What a database holds, read from information_schema and SHOW CREATE on a
// catalogue session (never on a streaming one).  How each column's values are
// written is decided from information_schema.COLUMNS, not from a result's
// metadata (Connector/C++'s threw on collation ids above 255).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "civiup/snapshot/db/dump_manifest.hpp"
#include "session.hpp"

namespace civiup::snapshot::db {

// Number: as the server's text; Temporal: that text in quotes (it never needs
// escaping); Hex: 0x...; Text: quoted and escaped.
enum class ValueKind { Number, Temporal, Hex, Text };

struct ColumnInfo {
  std::string name;
  ValueKind kind = ValueKind::Text;
  std::string select;  // the expression selected for it
  // How it is fetched with the binary protocol, when its text can be rebuilt
  // exactly from that (integers, DECIMAL, DATE, DATETIME, TIMESTAMP, strings
  // and binary strings); nullopt otherwise (FLOAT, DOUBLE, BIT, YEAR, TIME,
  // ZEROFILL, spatial and other types: the table is read as text).
  std::optional<BinaryType> binary;
};

struct TableInfo {
  std::string name;
  std::string type;  // BASE TABLE, SYSTEM VERSIONED
  uint64_t data_length = 0;
  std::vector<ColumnInfo> columns;  // dumped columns: generated ones left out, invisible ones in
  std::string integer_key;          // single-column integer primary key, for key ranges; or empty
  // Rows read with the binary protocol (every column has a BinaryType, a base
  // table): the same row text, less server time.  See table_rows.hpp.
  bool binary_rows = false;
  std::string create_statement;
};

struct ViewInfo {
  std::string name;
  std::vector<std::string> columns;
  std::string create_statement;  // CREATE OR REPLACE ALGORITHM=... DEFINER=... VIEW
  std::string character_set_client;
  std::string collation_connection;
  std::string definer;  // user@host
};

// Triggers, routines and events with the session context they were created in.
struct ProgramInfo {
  std::string kind;  // trigger, function, procedure, event
  std::string name;
  std::string table;
  std::string create_statement;
  std::string sql_mode;
  std::string character_set_client;
  std::string collation_connection;
  std::string time_zone;  // events
  std::string definer;
};

struct Catalogue {
  std::vector<TableInfo> tables;
  std::vector<ViewInfo> views;        // in dependency order
  std::vector<ProgramInfo> programs;  // routines, then triggers (by table, action order), then events
};

// Reads everything in `database`; `session` must be connected to it.
Catalogue read_catalogue(Session& session, const std::string& database);

// Names of live objects, for restore: kind ("table", "view", "trigger",
// "function", "procedure", "event") and name.
struct LiveObject {
  std::string kind;
  std::string name;
  std::string table;          // triggers
  int64_t update_epoch = -1;  // tables: UNIX_TIMESTAMP(UPDATE_TIME), -1 when NULL
};
std::vector<LiveObject> list_live_objects(Session& session, const std::string& database);

std::string show_create_table(Session& session, const std::string& table);

// "`user`@`host`" of a DEFINER clause, from "user@host".
std::string definer_clause(const std::string& definer);

}  // namespace civiup::snapshot::db
