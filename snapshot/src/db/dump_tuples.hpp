#pragma once
// Reading the row tuples back out of a dump's data files ("(1,'a',NULL)" as
// the dump wrote them, the text its row digest hashes), and integer keys as
// they appear in those tuples.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "civiup/snapshot/db/dump_manifest.hpp"

namespace civiup::snapshot::db {

__extension__ using Int128 = __int128;

// The index of the ')' that closes the tuple opening at `start`, or npos.
size_t tuple_end(std::string_view values, size_t start);

// Value `index` of the tuple "(a,'b',c)", as written.
std::string_view tuple_field(std::string_view tuple, size_t index);

// Calls `on_tuple` with each row tuple of the INSERTs of data file `file`,
// whose INSERTs must all begin with `prefix` ("INSERT INTO `t` (...) VALUES ").
void for_each_dumped_tuple(const std::filesystem::path& dir, const DumpFile& file, const std::string& prefix,
                           const std::function<void(std::string_view)>& on_tuple);

// An integer key's decimal text ("-12", "18446744073709551615"); nullopt when it is not one.
std::optional<Int128> parse_key(std::string_view text);
std::string key_text(Int128 key);

}  // namespace civiup::snapshot::db
