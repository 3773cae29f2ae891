#include "civiup/snapshot/db/dump_manifest.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"

namespace civiup::snapshot::db {
namespace fs = std::filesystem;
using nlohmann::json;

void to_json(json& j, const DumpFile& f) {
  j = json{{"name", f.name},   {"kind", f.kind},           {"object", f.object},
           {"bytes", f.bytes}, {"sql_bytes", f.sql_bytes}, {"largest_statement", f.largest_statement}};
}
void from_json(const json& j, DumpFile& f) {
  j.at("name").get_to(f.name);
  j.at("kind").get_to(f.kind);
  j.at("object").get_to(f.object);
  j.at("bytes").get_to(f.bytes);
  j.at("sql_bytes").get_to(f.sql_bytes);
  j.at("largest_statement").get_to(f.largest_statement);
}
void to_json(json& j, const TableEntry& t) {
  j = json{{"name", t.name},
           {"type", t.type},
           {"create", t.create_statement},
           {"rows", t.rows},
           {"data_bytes", t.data_bytes},
           {"checksum", t.checksum ? json(*t.checksum) : json(nullptr)}};
}
void from_json(const json& j, TableEntry& t) {
  j.at("name").get_to(t.name);
  j.at("type").get_to(t.type);
  j.at("create").get_to(t.create_statement);
  j.at("rows").get_to(t.rows);
  j.at("data_bytes").get_to(t.data_bytes);
  if (!j.at("checksum").is_null()) t.checksum = j.at("checksum").get<std::string>();
}
void to_json(json& j, const ProgramEntry& p) {
  j = json{
      {"kind", p.kind}, {"name", p.name}, {"table", p.table}, {"create", p.create_statement}, {"definer", p.definer}};
}
void from_json(const json& j, ProgramEntry& p) {
  j.at("kind").get_to(p.kind);
  j.at("name").get_to(p.name);
  j.at("table").get_to(p.table);
  j.at("create").get_to(p.create_statement);
  j.at("definer").get_to(p.definer);
}

const TableEntry* DumpManifest::find_table(const std::string& name) const {
  for (const auto& table : tables)
    if (table.name == name) return &table;
  return nullptr;
}

uint64_t DumpManifest::total_sql_bytes() const {
  uint64_t sum = 0;
  for (const auto& file : files) sum += file.sql_bytes;
  return sum;
}

uint64_t DumpManifest::total_bytes() const {
  uint64_t sum = 0;
  for (const auto& file : files) sum += file.bytes;
  return sum;
}

std::string DumpManifest::to_json() const {
  json j{{"format", format},
         {"database", database},
         {"default_charset", default_charset},
         {"default_collation", default_collation},
         {"server_version", server_version},
         {"created_utc", created_utc},
         {"snapshot_epoch", snapshot_epoch},
         {"server_started_epoch", server_started_epoch},
         {"server_datadir", server_datadir},
         {"consistency", consistency},
         {"checksum_method", checksum_method},
         {"seconds", seconds},
         {"tables", tables},
         {"programs", programs},
         {"files", files},
         {"base_dump", base_dump},
         {"reused_tables", reused_tables},
         {"checksummed_tables", checksummed_tables}};
  return j.dump(1) + "\n";
}

DumpManifest DumpManifest::from_json(const std::string& text) {
  DumpManifest m;
  try {
    json j = json::parse(text);
    j.at("format").get_to(m.format);
    if (m.format != kDumpFormat && m.format != kDumpFormatV1)
      fail("unknown format '{}' (expected {})", m.format, kDumpFormat);
    j.at("database").get_to(m.database);
    j.at("default_charset").get_to(m.default_charset);
    j.at("default_collation").get_to(m.default_collation);
    j.at("server_version").get_to(m.server_version);
    j.at("created_utc").get_to(m.created_utc);
    j.at("snapshot_epoch").get_to(m.snapshot_epoch);
    j.at("server_started_epoch").get_to(m.server_started_epoch);
    j.at("server_datadir").get_to(m.server_datadir);
    j.at("consistency").get_to(m.consistency);
    j.at("checksum_method").get_to(m.checksum_method);
    j.at("seconds").get_to(m.seconds);
    j.at("tables").get_to(m.tables);
    j.at("programs").get_to(m.programs);
    j.at("files").get_to(m.files);
    m.base_dump = j.value("base_dump", "");
    m.reused_tables = j.value("reused_tables", std::vector<std::string>{});
    m.checksummed_tables = j.value("checksummed_tables", std::vector<std::string>{});
  } catch (const json::exception& e) {
    fail("malformed manifest: {}", e.what());
  }
  return m;
}

DumpManifest load_manifest(const fs::path& dir) {
  return with_context(fmt::format("dump {}", dir.string()), [&] {
    fs::path path = dir / kManifestName;
    if (!fs::exists(path)) fail("no committed {}: the dump is incomplete or was interrupted", kManifestName);
    DumpManifest manifest = DumpManifest::from_json(read_file(path));
    for (const auto& file : manifest.files) {
      std::error_code ec;
      uint64_t size = fs::file_size(dir / file.name, ec);
      if (ec) fail("{}: {}", file.name, ec.message());
      if (size != file.bytes) fail("{}: {} bytes, the manifest says {}", file.name, size, file.bytes);
    }
    return manifest;
  });
}

bool is_usable_dump(const fs::path& dir) {
  try {
    (void)load_manifest(dir);
    return true;
  } catch (const Error&) {
    return false;
  }
}

std::vector<fs::path> list_usable_dumps(const fs::path& parent) {
  std::vector<fs::path> dumps;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec))
    if (entry.is_directory() && is_usable_dump(entry.path())) dumps.push_back(entry.path());
  std::sort(dumps.begin(), dumps.end());
  return dumps;
}

}  // namespace civiup::snapshot::db
