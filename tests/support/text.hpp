#pragma once
// Text helpers the test bed shares with the tests (header only: the test bed
// links no test support).  A site's settings files hold the user and password
// of a "mysql://user:pass@host:port/db" DSN URL-encoded, values as PHP string
// literals.  A file read whole is civiup::read_file (civiup_base), which throws
// naming the file; read_file_if_present is for files a process may not have
// written yet.
#include <cctype>
#include <filesystem>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"

namespace civiup::test {

// RFC 3986 unreserved characters pass; everything else is %XX, as CiviCRM's
// installer writes it (Backdrop and CiviCRM urldecode the user and password).
inline std::string url_encode(const std::string& text) {
  std::string out;
  for (char byte : text) {
    auto c = static_cast<unsigned char>(byte);
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

// A PHP single-quoted string literal.
inline std::string php_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// The file's content, "" while it is not there (a log, a journal, settings).
inline std::string read_file_if_present(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::exists(path, error) ? civiup::read_file(path) : std::string();
}

}  // namespace civiup::test
