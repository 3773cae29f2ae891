#pragma once
// Text from outside civiup (a settings file, a tarball entry name, a journal)
// quoted in an error message: every error is ONE line of valid UTF-8 (stderr
// and the --json output both carry it), however hostile the text.
#include <cstddef>
#include <string>
#include <string_view>

namespace civiup {

// Length of the valid UTF-8 sequence at the start of `text`, 0 if invalid.
size_t utf8_sequence_length(std::string_view text);
bool valid_utf8(std::string_view text);

// `text` with control bytes and invalid UTF-8 as \xNN, cut after about
// `limit` bytes (then "..." follows).
std::string printable(std::string_view text, size_t limit = 200);

}  // namespace civiup
