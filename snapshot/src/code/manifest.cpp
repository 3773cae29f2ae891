#include "manifest.hpp"

#include <charconv>
#include <iterator>

#include <nlohmann/json.hpp>

#include "civiup/base/error.hpp"

namespace civiup::snapshot {

using nlohmann::json;

namespace {

constexpr const char* kManifestFormat = "civiup-code-manifest";
constexpr const char* kMetadataFormat = "civiup-code-snapshot";

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : (byte >> 3) == 0x1E ? 4 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return false;
    }
    i += length;
  }
  return true;
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xF];
  }
  return out;
}

// A whole number in `base` up to `max`; anything else (a sign, a trailing
// byte, an overflow) is a malformed manifest, reported, never std::terminate.
std::uint32_t parse_number(std::string_view text, int base, std::uint32_t max, std::string_view what) {
  std::uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value > max) {
    fail("{} {} is not a number", what,
         json(std::string(text.substr(0, 40))).dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return value;
}

std::string from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) fail("odd-length hex name '{}'", hex);
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out += static_cast<char>(parse_number(hex.substr(i, 2), 16, 0xff, "hex name byte"));
  }
  return out;
}

// File names are bytes; JSON strings are UTF-8.  A name that is not valid
// UTF-8 goes in as "<key>_hex" instead.
void put_name(json& object, const char* key, const std::string& value) {
  if (is_valid_utf8(value)) {
    object[key] = value;
  } else {
    object[std::string(key) + "_hex"] = to_hex(value);
  }
}

std::string get_name(const json& object, const char* key) {
  if (auto it = object.find(key); it != object.end()) return it->get<std::string>();
  return from_hex(object.at(std::string(key) + "_hex").get<std::string>());
}

// Valid UTF-8 without quotes, backslashes or control characters: a JSON
// string as it stands.
bool needs_no_escaping(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || c == '"' || c == '\\') return false;
  }
  return is_valid_utf8(text);
}

const char* type_name(EntryType type) {
  switch (type) {
    case EntryType::directory:
      return "dir";
    case EntryType::file:
      return "file";
    case EntryType::symlink:
      return "symlink";
  }
  return "?";
}

EntryType type_from_name(const std::string& name) {
  if (name == "dir") return EntryType::directory;
  if (name == "file") return EntryType::file;
  if (name == "symlink") return EntryType::symlink;
  fail("unknown entry type '{}'", name);
}

}  // namespace

std::string Manifest::to_json() const {
  // One entry a line: readable, and diffable with stock git.
  std::string out = fmt::format("{{\"format\":\"{}\",\"version\":1,\n\"escaped\":[", kManifestFormat);
  const char* separator = "\n";
  for (const auto& escape : escaped) {
    json item = json::object();
    put_name(item, "stored", escape.stored);
    put_name(item, "name", escape.name);
    out += separator + item.dump();
    separator = ",\n";
  }
  out += "],\n\"entries\":[";
  separator = "\n";
  for (const auto& entry : entries) {
    out += separator;
    separator = ",\n";
    if (needs_no_escaping(entry.path)) {
      // The common case, written directly: the same bytes nlohmann would
      // write (keys sorted), ten times faster, and 16,000 of them per snapshot.
      fmt::format_to(std::back_inserter(out), R"({{"gid":{},"mode":"{:04o}","path":"{}","type":"{}","uid":{}}})",
                     entry.gid, entry.mode, entry.path, type_name(entry.type), entry.uid);
      continue;
    }
    json item = json::object();
    put_name(item, "path", entry.path);
    item["type"] = type_name(entry.type);
    item["mode"] = fmt::format("{:04o}", entry.mode);
    item["uid"] = entry.uid;
    item["gid"] = entry.gid;
    out += item.dump();
  }
  out += "]}\n";
  return out;
}

Manifest Manifest::from_json(std::string_view text) {
  return with_context("reading the snapshot manifest", [&] {
    try {
      json document = json::parse(text);
      if (document.at("format") != kManifestFormat) fail("not a civiup code manifest");
      if (document.at("version").get<int>() != 1) fail("manifest version {} is unknown", document.at("version").dump());
      Manifest manifest;
      for (const auto& item : document.at("entries")) {
        ManifestEntry entry;
        entry.path = get_name(item, "path");
        entry.type = type_from_name(item.at("type").get<std::string>());
        entry.mode = parse_number(item.at("mode").get<std::string>(), 8, 07777 | 0170000, "mode");
        entry.uid = item.at("uid").get<std::uint32_t>();
        entry.gid = item.at("gid").get<std::uint32_t>();
        manifest.entries.push_back(std::move(entry));
      }
      for (const auto& item : document.at("escaped")) {
        manifest.escaped.push_back({get_name(item, "stored"), get_name(item, "name")});
      }
      return manifest;
    } catch (const json::exception& e) {
      fail("{}", e.what());
    }
  });
}

std::string metadata_to_json(const CodeSnapshotInfo& info) {
  json document = {{"format", kMetadataFormat}, {"version", 1},
                   {"created", info.created},   {"created_ns", info.created_ns},
                   {"message", info.message},   {"tool_version", info.tool_version},
                   {"labels", info.labels},     {"exclude", info.exclude}};
  put_name(document, "root", info.root);
  json paths = json::array();
  for (const auto& path : info.paths) {
    json item = json::object();
    put_name(item, "path", path);
    paths.push_back(std::move(item));
  }
  document["paths"] = std::move(paths);
  return document.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

CodeSnapshotInfo metadata_from_json(std::string_view text) {
  return with_context("reading the snapshot metadata", [&] {
    try {
      json document = json::parse(text);
      if (document.at("format") != kMetadataFormat) fail("not civiup snapshot metadata");
      CodeSnapshotInfo info;
      info.created = document.at("created").get<std::int64_t>();
      info.created_ns = document.value("created_ns", info.created * 1'000'000'000);
      info.message = document.at("message").get<std::string>();
      info.tool_version = document.at("tool_version").get<std::string>();
      info.labels = document.at("labels").get<std::map<std::string, std::string>>();
      info.exclude = document.at("exclude").get<std::vector<std::string>>();
      info.root = get_name(document, "root");
      for (const auto& item : document.at("paths")) info.paths.push_back(get_name(item, "path"));
      return info;
    } catch (const json::exception& e) {
      fail("{}", e.what());
    }
  });
}

}  // namespace civiup::snapshot
