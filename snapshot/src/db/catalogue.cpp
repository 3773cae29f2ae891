#include "catalogue.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "civiup/base/error.hpp"

namespace civiup::snapshot::db {
namespace {

ValueKind kind_of(const std::string& data_type) {
  static const std::set<std::string> numbers = {"tinyint", "smallint", "mediumint", "int",    "integer", "bigint",
                                                "decimal", "numeric",  "float",     "double", "real",    "year"};
  static const std::set<std::string> binaries = {
      "binary", "varbinary",  "tinyblob", "blob",       "mediumblob",      "longblob",     "geometry",
      "point",  "linestring", "polygon",  "multipoint", "multilinestring", "multipolygon", "geometrycollection"};
  if (numbers.count(data_type) != 0) return ValueKind::Number;
  if (data_type == "date" || data_type == "datetime" || data_type == "timestamp" || data_type == "time")
    return ValueKind::Temporal;
  if (binaries.count(data_type) != 0) return ValueKind::Hex;
  return ValueKind::Text;
}

// How a column is fetched with the binary protocol, when the server's text can
// be rebuilt exactly from that; nullopt for the rest.
std::optional<BinaryType> binary_type_of(const std::string& data_type, const std::string& column_type) {
  static const std::set<std::string> integers = {"tinyint", "smallint", "mediumint", "int", "bigint"};
  static const std::set<std::string> bytes = {"decimal",  "char", "varchar",    "tinytext", "text",   "mediumtext",
                                              "longtext", "enum", "set",        "json",     "binary", "varbinary",
                                              "tinyblob", "blob", "mediumblob", "longblob"};
  if (column_type.find("zerofill") != std::string::npos) return std::nullopt;  // the text is padded
  if (integers.count(data_type) != 0)
    return column_type.find("unsigned") != std::string::npos ? BinaryType::Unsigned : BinaryType::Signed;
  if (data_type == "date") return BinaryType::Date;
  if (data_type == "datetime" || data_type == "timestamp") return BinaryType::DateTime;
  if (bytes.count(data_type) != 0) return BinaryType::Bytes;
  return std::nullopt;
}

bool is_integer_type(const std::string& data_type) {
  return data_type == "tinyint" || data_type == "smallint" || data_type == "mediumint" || data_type == "int" ||
         data_type == "bigint";
}

std::string text(const Value& value) { return value.value_or(""); }

// SHOW CREATE ... returns one row; the column `index` (0-based) of it.
Row show_create(Session& session, const std::string& statement, const std::string& what) {
  auto rows = session.query(statement);
  if (rows.empty()) fail("{}: SHOW CREATE returned nothing", what);
  return rows[0];
}

// Views referring to other views come after them.
std::vector<ViewInfo> in_dependency_order(std::vector<ViewInfo> views) {
  std::vector<ViewInfo> ordered;
  std::set<std::string> placed;
  while (!views.empty()) {
    bool progress = false;
    for (auto it = views.begin(); it != views.end();) {
      bool ready = true;
      for (const auto& other : views)
        if (other.name != it->name && it->create_statement.find(quote_identifier(other.name)) != std::string::npos)
          ready = false;
      if (ready) {
        placed.insert(it->name);
        ordered.push_back(std::move(*it));
        it = views.erase(it);
        progress = true;
      } else {
        ++it;
      }
    }
    if (!progress) {  // a name match that is no dependency; the stand-ins cover it
      for (auto& view : views) ordered.push_back(std::move(view));
      break;
    }
  }
  return ordered;
}

}  // namespace

std::string definer_clause(const std::string& definer) {
  auto at = definer.rfind('@');
  if (at == std::string::npos) return quote_identifier(definer);
  return quote_identifier(definer.substr(0, at)) + "@" + quote_identifier(definer.substr(at + 1));
}

std::string show_create_table(Session& session, const std::string& table) {
  return text(show_create(session, "SHOW CREATE TABLE " + quote_identifier(table), "table " + table).at(1));
}

namespace {

using TableMap = std::map<std::string, TableInfo>;
using ViewMap = std::map<std::string, ViewInfo>;

// The schema's tables and views by name (`schema` quoted), their columns to come.
void list_tables(Session& session, const std::string& schema, TableMap& tables, ViewMap& views) {
  for (const auto& row : session.query("SELECT TABLE_NAME, TABLE_TYPE, COALESCE(DATA_LENGTH, 0) FROM "
                                       "information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                       schema)) {
    std::string name = text(row[0]), type = text(row[1]);
    if (type == "VIEW") {
      views[name].name = name;
    } else if (type == "BASE TABLE" || type == "SYSTEM VERSIONED") {
      tables[name] = TableInfo{name, type, std::stoull(text(row[2])), {}, {}, type == "BASE TABLE", {}};
    } else {
      fail("{} `{}`: objects of this type are not supported", type, name);
    }
  }
}

// Every column a dump selects, how it is selected and read, and the tables'
// integer primary keys (a single-column one: what row ranges cut along).
void read_columns(Session& session, const std::string& schema, TableMap& tables, ViewMap& views) {
  std::map<std::string, std::vector<std::string>> primary_keys;
  for (const auto& row : session.query("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                                       "WHERE TABLE_SCHEMA = " +
                                       schema + " AND CONSTRAINT_NAME = 'PRIMARY'"))
    primary_keys[text(row[0])].push_back(text(row[1]));

  for (const auto& row :
       session.query("SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, IS_GENERATED, GENERATION_EXPRESSION, "
                     "COLUMN_TYPE "
                     "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " +
                     schema + " ORDER BY TABLE_NAME, ORDINAL_POSITION")) {
    std::string table = text(row[0]), column = text(row[1]), data_type = text(row[2]);
    std::string generation = text(row[4]);
    if (auto view = views.find(table); view != views.end()) {
      view->second.columns.push_back(column);
      continue;
    }
    auto it = tables.find(table);
    if (it == tables.end()) continue;
    // System-versioning period columns show as generated with ROW START/END as
    // their expression; their values are dumped (history rows keep them).
    bool period_column = generation == "ROW START" || generation == "ROW END";
    // Generated columns are computed again on load; the server refuses values for them.
    if (text(row[3]) == "ALWAYS" && !period_column) continue;
    // FLOAT as text has 6 significant digits; as DOUBLE its value is exact and
    // converts back to the same FLOAT.
    std::string select = quote_identifier(column);
    ValueKind kind = kind_of(data_type);
    if (data_type == "float") select = fmt::format("CAST({} AS DOUBLE)", select);
    // BIT values are written as their integer; the server sends them as bytes.
    if (data_type == "bit") {
      select = fmt::format("{} + 0", select);
      kind = ValueKind::Number;
    }
    std::optional<BinaryType> binary =
        select == quote_identifier(column) ? binary_type_of(data_type, text(row[5])) : std::nullopt;
    it->second.binary_rows = it->second.binary_rows && binary.has_value();
    it->second.columns.push_back(ColumnInfo{column, kind, select, binary});
    auto key = primary_keys.find(table);
    if (key != primary_keys.end() && key->second.size() == 1 && key->second[0] == column && is_integer_type(data_type))
      it->second.integer_key = column;
  }
}

// Each table's CREATE TABLE, and the implicit period columns of a system-versioned one.
void read_table_definitions(Session& session, const std::string& schema, TableMap& tables,
                            std::vector<TableInfo>& catalogue_tables) {
  // Named references, not structured bindings: clang 14 (the fuzz build,
  // clang-tidy) cannot capture a binding in a lambda.
  for (auto& entry : tables) {
    const std::string& name = entry.first;
    TableInfo& table = entry.second;
    with_context(fmt::format("table `{}`", name), [&] {
      table.create_statement = show_create_table(session, name);
      if (table.type == "SYSTEM VERSIONED") {
        // Implicit period columns are in no information_schema view; their names are fixed.
        bool explicit_period = false;
        for (const auto& row :
             session.query("SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = " + schema +
                           " AND TABLE_NAME = " + quote_string(name) + " AND GENERATION_EXPRESSION = 'ROW START'"))
          explicit_period = !row.empty();
        if (!explicit_period) {
          table.columns.push_back(ColumnInfo{"ROW_START", ValueKind::Text, "`ROW_START`", std::nullopt});
          table.columns.push_back(ColumnInfo{"ROW_END", ValueKind::Text, "`ROW_END`", std::nullopt});
        }
      }
    });
    catalogue_tables.push_back(std::move(table));
  }
}

// Each view's CREATE VIEW and definer, in an order each view's dependencies come first.
std::vector<ViewInfo> read_view_definitions(Session& session, const std::string& schema, ViewMap& views) {
  std::vector<ViewInfo> unordered;
  for (auto& entry : views) {
    const std::string& name = entry.first;
    ViewInfo& view = entry.second;
    with_context(fmt::format("view `{}`", name), [&] {
      Row row = show_create(session, "SHOW CREATE VIEW " + quote_identifier(name), "view " + name);
      std::string create = text(row.at(1));
      if (create.rfind("CREATE ", 0) != 0) fail("unexpected SHOW CREATE VIEW output");
      view.create_statement = "CREATE OR REPLACE " + create.substr(7);
      view.character_set_client = text(row.at(2));
      view.collation_connection = text(row.at(3));
      view.definer = session
                         .query_value("SELECT DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = " + schema +
                                      " AND TABLE_NAME = " + quote_string(name))
                         .value_or("");
    });
    unordered.push_back(std::move(view));
  }
  return in_dependency_order(std::move(unordered));
}

// Stored functions and procedures, triggers (per table, in firing order) and events.
void read_programs(Session& session, const std::string& schema, std::vector<ProgramInfo>& programs) {
  for (const auto& row : session.query("SELECT ROUTINE_TYPE, ROUTINE_NAME, DEFINER FROM information_schema.ROUTINES "
                                       "WHERE ROUTINE_SCHEMA = " +
                                       schema + " ORDER BY ROUTINE_TYPE, ROUTINE_NAME")) {
    std::string type = text(row[0]), name = text(row[1]);
    if (type != "FUNCTION" && type != "PROCEDURE") fail("{} `{}`: routines of this type are not supported", type, name);
    std::string kind = type == "FUNCTION" ? "function" : "procedure";
    with_context(fmt::format("{} `{}`", kind, name), [&] {
      Row create = show_create(session, fmt::format("SHOW CREATE {} {}", type, quote_identifier(name)), name);
      // Columns: name, sql_mode, Create, character_set_client, collation_connection, Database Collation.
      if (!create.at(2)) fail("its body is not visible to this user (needs SELECT on mysql.proc or to be its definer)");
      programs.push_back(ProgramInfo{kind, name, "", text(create[2]), text(create[1]), text(create[3]), text(create[4]),
                                     "", text(row[2])});
    });
  }
  for (const auto& row : session.query(
           "SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = " +
           schema + " ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER")) {
    std::string name = text(row[0]);
    with_context(fmt::format("trigger `{}`", name), [&] {
      // Columns: Trigger, sql_mode, SQL Original Statement, character_set_client, collation_connection, ...
      Row create = show_create(session, "SHOW CREATE TRIGGER " + quote_identifier(name), name);
      programs.push_back(ProgramInfo{"trigger", name, text(row[1]), text(create.at(2)), text(create[1]),
                                     text(create[3]), text(create[4]), "", text(row[2])});
    });
  }
  for (const auto& row :
       session.query("SELECT EVENT_NAME, DEFINER FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " + schema +
                     " ORDER BY EVENT_NAME")) {
    std::string name = text(row[0]);
    with_context(fmt::format("event `{}`", name), [&] {
      // Columns: Event, sql_mode, time_zone, Create Event, character_set_client, collation_connection, ...
      Row create = show_create(session, "SHOW CREATE EVENT " + quote_identifier(name), name);
      programs.push_back(ProgramInfo{"event", name, "", text(create.at(3)), text(create[1]), text(create[4]),
                                     text(create[5]), text(create[2]), text(row[1])});
    });
  }
}

}  // namespace

Catalogue read_catalogue(Session& session, const std::string& database) {
  Catalogue catalogue;
  const std::string schema = quote_string(database);
  TableMap tables;
  ViewMap views;
  list_tables(session, schema, tables, views);
  read_columns(session, schema, tables, views);
  read_table_definitions(session, schema, tables, catalogue.tables);
  catalogue.views = read_view_definitions(session, schema, views);
  read_programs(session, schema, catalogue.programs);
  return catalogue;
}

std::vector<LiveObject> list_live_objects(Session& session, const std::string& database) {
  const std::string schema = quote_string(database);
  std::vector<LiveObject> objects;
  for (const auto& row : session.query("SELECT TABLE_NAME, TABLE_TYPE, UNIX_TIMESTAMP(UPDATE_TIME) FROM "
                                       "information_schema.TABLES WHERE TABLE_SCHEMA = " +
                                       schema)) {
    bool view = text(row[1]) == "VIEW";
    int64_t updated = row[2] ? static_cast<int64_t>(std::stod(*row[2])) : -1;
    objects.push_back(LiveObject{view ? "view" : "table", text(row[0]), "", updated});
  }
  for (const auto& row : session.query("SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME FROM information_schema.ROUTINES "
                                       "WHERE ROUTINE_SCHEMA = " +
                                       schema))
    objects.push_back(LiveObject{text(row[0]), text(row[1]), "", -1});
  for (const auto& row : session.query("SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS "
                                       "WHERE TRIGGER_SCHEMA = " +
                                       schema))
    objects.push_back(LiveObject{"trigger", text(row[0]), text(row[1]), -1});
  for (const auto& row :
       session.query("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = " + schema))
    objects.push_back(LiveObject{"event", text(row[0]), "", -1});
  return objects;
}

}  // namespace civiup::snapshot::db
