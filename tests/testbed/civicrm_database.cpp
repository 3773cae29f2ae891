// The CiviCRM database of a generated site: schema, reference rows, bulk rows
// in batches of contacts (each batch one INSERT ... SELECT per table, made on
// the server), then the function, triggers and views.  A large database is
// loaded as myloader does: primary keys only, rows on two connections, then
// the secondary keys (sorted once, on two connections), then the foreign keys.
// The big table (SiteSpec::big_table_rows) comes after, loaded the same way.
#include <algorithm>
#include <exception>
#include <functional>
#include <sstream>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "testbed/civicrm_schema.hpp"
#include "testbed/site_parts.hpp"

namespace civiup::testbed {
namespace {

// Contacts per batch: ~90 MB of rows, small enough that no single statement
// holds a huge undo log, large enough that per-statement cost vanishes.
constexpr uint64_t kContactsPerBatch = 20000;
// The empty schema and the reference rows (every InnoDB index takes pages
// even when empty) take about this much before any bulk row.
constexpr uint64_t kSchemaBytes = 3u << 20;
constexpr uint64_t kMinimumContacts = 50;
// Above this many contacts the secondary keys are added after the rows:
// building an index by sorting once costs well under half of inserting into
// every index row by row.  Below it the extra ALTERs cost more than they save.
constexpr uint64_t kDeferKeysAbove = 10000;
// Big-table rows per statement: a second or two each, a bounded undo log.
constexpr uint64_t kBigTableRowsPerStatement = 100000;

// A CREATE TABLE split into the table with its primary key only, the
// secondary keys (with the index each foreign key needs, named as InnoDB
// names the one it would create) and the foreign keys.
struct SplitTable {
  std::string name;  // quoted
  std::string create;
  std::vector<std::string> keys;         // "KEY ...", "UNIQUE KEY ..."
  std::vector<std::string> constraints;  // "CONSTRAINT ... FOREIGN KEY ..."
};

std::string trimmed(const std::string& text) {
  const size_t begin = text.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  std::string out = text.substr(begin);
  while (!out.empty() && (out.back() == ',' || out.back() == ' ')) out.pop_back();
  return out;
}

// The column names of the first parenthesised list in a key or constraint
// line, without prefix lengths: "KEY k (value(128), group_id)" -> value, group_id.
std::vector<std::string> key_columns(const std::string& line) {
  const size_t open = line.find('(');
  std::vector<std::string> columns;
  std::string current;
  int depth = 0;
  for (size_t i = open + 1; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '(') ++depth;
    if (depth == 0 && (c == ',' || c == ')')) {
      columns.push_back(trimmed(current));
      current.clear();
      if (c == ')') break;
      continue;
    }
    if (depth == 0 && c != '`') current += c;
    if (c == ')') --depth;
  }
  return columns;
}

bool has_prefix_length(const std::string& line) {
  const size_t open = line.find('(');
  const size_t close = line.find(')', open);
  return line.find('(', open + 1) < close;
}

// civicrm_table_statements() writes "CREATE TABLE `name` (", one column or
// key per line, and ")" with the table options on a line of its own.
SplitTable split_table(const std::string& create) {
  std::vector<std::string> lines, columns;
  std::istringstream in(create);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  SplitTable split;
  std::vector<std::string> indexed_lines;  // PRIMARY and secondary keys, for FK coverage
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    const std::string line = trimmed(lines[i]);
    if (line.empty()) continue;
    if (line.starts_with("KEY ") || line.starts_with("UNIQUE KEY ")) {
      split.keys.push_back(line);
      indexed_lines.push_back(line);
    } else if (line.starts_with("CONSTRAINT ")) {
      split.constraints.push_back(line);
    } else {
      columns.push_back(line);
      if (line.starts_with("PRIMARY KEY ")) indexed_lines.push_back(line);
    }
  }
  // A foreign key needs an index starting with its columns; InnoDB creates one
  // named after the constraint when none exists.  Add it with the other keys.
  for (const std::string& constraint : split.constraints) {
    const std::vector<std::string> wanted = key_columns(constraint.substr(constraint.find("FOREIGN KEY")));
    const bool covered = std::any_of(indexed_lines.begin(), indexed_lines.end(), [&](const std::string& key) {
      const std::vector<std::string> have = key_columns(key);
      return !has_prefix_length(key) && have.size() >= wanted.size() &&
             std::equal(wanted.begin(), wanted.end(), have.begin());
    });
    if (covered) continue;
    std::istringstream words(constraint);
    std::string keyword, name;
    words >> keyword >> name;
    std::string list;
    for (const std::string& column : wanted) list += (list.empty() ? "" : ", ") + column;
    split.keys.push_back("KEY " + name + " (" + list + ")");
    indexed_lines.push_back(split.keys.back());
  }
  split.create = lines.front() + "\n";
  for (size_t i = 0; i < columns.size(); ++i)
    split.create += "  " + columns[i] + (i + 1 < columns.size() ? ",\n" : "\n");
  split.create += lines.back();
  const std::string& head = lines.front();  // CREATE TABLE `name` (
  split.name = head.substr(head.find('`'), head.rfind('`') - head.find('`') + 1);
  return split;
}

std::string alter_adding(const std::string& table, const std::vector<std::string>& parts) {
  std::string alter = "ALTER TABLE " + table;
  for (size_t i = 0; i < parts.size(); ++i) alter += (i == 0 ? " ADD " : ", ADD ") + parts[i];
  return alter;
}

// Runs the jobs on threads of their own; rethrows the first failure.
void run_in_parallel(const std::vector<std::function<void()>>& jobs) {
  std::vector<std::exception_ptr> failures(jobs.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < jobs.size(); ++i) {
    threads.emplace_back([&, i] {
      try {
        jobs[i]();
      } catch (...) {
        failures[i] = std::current_exception();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

// Loaded as a restore would: keys are consistent by construction, so the
// checks only cost time (a test checks every foreign key afterwards).
void without_checks(SqlSession& session) {
  session.run("SET SESSION foreign_key_checks = 0");
  session.run("SET SESSION unique_checks = 0");
}

void load_small(SqlSession& session, const SiteSpec& spec, uint64_t contacts) {
  session.run_all(civicrm_table_statements());
  insert_civicrm_reference_rows(session, spec.version);
  for (uint64_t first = 2; first <= contacts; first += kContactsPerBatch) {
    CiviCrmBulkStatements bulk =
        civicrm_bulk_statements(first, std::min(contacts, first + kContactsPerBatch - 1), contacts);
    session.run_all(bulk.contact_lane);
    session.run_all(bulk.activity_lane);
  }
}

void load_large(SqlSession& session, SqlSession& second, const SiteSpec& spec, uint64_t contacts) {
  std::vector<SplitTable> tables;
  for (const std::string& create : civicrm_table_statements()) tables.push_back(split_table(create));
  for (const SplitTable& table : tables) session.run(table.create);
  insert_civicrm_reference_rows(session, spec.version);

  auto lane = [contacts](SqlSession& on, auto member) {
    return [&on, member, contacts] {
      for (uint64_t first = 2; first <= contacts; first += kContactsPerBatch) {
        on.run_all(civicrm_bulk_statements(first, std::min(contacts, first + kContactsPerBatch - 1), contacts).*member);
      }
    };
  };
  run_in_parallel(
      {lane(session, &CiviCrmBulkStatements::contact_lane), lane(second, &CiviCrmBulkStatements::activity_lane)});

  // Secondary keys: each ALTER touches only its own table, so two can run at
  // once; the big tables alternate between the connections.
  std::vector<std::string> key_alters[2];
  size_t next = 0;
  for (const SplitTable& table : tables) {
    if (!table.keys.empty()) key_alters[next++ % 2].push_back(alter_adding(table.name, table.keys));
  }
  run_in_parallel({[&] { session.run_all(key_alters[0]); }, [&] { second.run_all(key_alters[1]); }});
  // Foreign keys last, on one connection (each locks the table it references):
  // with foreign_key_checks off and the indexes there, InnoDB only records them.
  for (const SplitTable& table : tables) {
    if (!table.constraints.empty()) session.run(alter_adding(table.name, table.constraints));
  }
}

// The big table: chunks alternating between the two connections (each
// connection's chunks in key order), then its secondary keys in one ALTER.
void load_big_table(SqlSession& session, SqlSession& second, uint64_t rows) {
  session.run(civicrm_big_table_create());
  if (rows == 0) return;
  auto lane = [rows](SqlSession& on, uint64_t start) {
    return [&on, rows, start] {
      for (uint64_t first = start; first <= rows; first += 2 * kBigTableRowsPerStatement) {
        const std::string statement =
            civicrm_big_table_rows(first, std::min(rows, first + kBigTableRowsPerStatement - 1));
        // The two lanes' inserts meet at chunk edges; InnoDB may pick one as a
        // deadlock victim and roll its statement back whole: run it again.
        for (int attempt = 1;; ++attempt) {
          try {
            on.run(statement);
            break;
          } catch (const std::exception& e) {
            if (attempt == 5 || std::string_view(e.what()).find("Deadlock found") == std::string_view::npos) throw;
          }
        }
      }
    };
  };
  run_in_parallel({lane(session, 1), lane(second, 1 + kBigTableRowsPerStatement)});
  session.run(civicrm_big_table_keys());
}

}  // namespace

uint64_t civicrm_contact_count(uint64_t data_bytes) {
  const uint64_t bulk = data_bytes > kSchemaBytes ? data_bytes - kSchemaBytes : 0;
  return std::max(kMinimumContacts, bulk / kCiviCrmBytesPerContact);
}

void create_civicrm_tables(SqlSession& session, const DatabaseServer& server, const DatabaseServer& account,
                           const SiteSpec& spec) {
  without_checks(session);
  // The big table takes its share of the size first; the contacts get the rest.
  const uint64_t big_bytes = spec.big_table_rows * kCiviCrmBigTableBytesPerRow;
  const uint64_t contacts =
      civicrm_contact_count(spec.civicrm_data_bytes > big_bytes ? spec.civicrm_data_bytes - big_bytes : 0);
  if (contacts > kDeferKeysAbove || spec.big_table_rows > 0) {
    SqlSession second(server, spec.civicrm_db);
    without_checks(second);
    if (contacts > kDeferKeysAbove) {
      load_large(session, second, spec, contacts);
    } else {
      load_small(session, spec, contacts);
    }
    if (spec.big_table_rows > 0) load_big_table(session, second, spec.big_table_rows);
  } else {
    load_small(session, spec, contacts);
  }
  SqlSession owner(account, spec.civicrm_db);
  owner.run_all(civicrm_routine_statements());
  for (const std::string& key : kSiteExtensions) {
    std::string name = key.substr(key.rfind('.') + 1);
    session.run(
        fmt::format("INSERT INTO civicrm_extension (type, full_name, name, label, file, schema_version, is_active) "
                    "VALUES ('module', '{0}', '{1}', '{1}', '{1}', NULL, 1)",
                    key, name));
  }
  if (!spec.extensions_dir_setting.empty()) {
    session.run(
        fmt::format("INSERT INTO civicrm_setting (name, value, domain_id, contact_id, is_domain) "
                    "VALUES ('extensionsDir', 's:{}:\"{}\";', 1, NULL, 1)",
                    spec.extensions_dir_setting.size(), spec.extensions_dir_setting));
  }
  session.run("SET SESSION unique_checks = 1");
  session.run("SET SESSION foreign_key_checks = 1");
}

void move_logging_tables(SqlSession& session, SqlSession& owner, const std::string& logging_db) {
  for (const std::string& table : session.column("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA ="
                                                 " DATABASE() AND TABLE_NAME LIKE 'log\\_civicrm\\_%'")) {
    session.run("RENAME TABLE " + quote_name(table) + " TO " + quote_name(logging_db) + "." + quote_name(table));
  }
  owner.run_all(civicrm_logging_trigger_statements(logging_db));
}

}  // namespace civiup::testbed
