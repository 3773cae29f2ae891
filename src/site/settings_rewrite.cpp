#include "civiup/site/settings_rewrite.hpp"

#include <cctype>
#include <vector>

#include "civiup/base/durable_file.hpp"

namespace civiup {
namespace {
namespace fs = std::filesystem;

// A PHP single-quoted literal of `value`.
std::string php_single_quoted(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string decode_single_quoted(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size() && (body[i + 1] == '\\' || body[i + 1] == '\'')) ++i;
    out += body[i];
  }
  return out;
}

// nullopt when the string interpolates or uses an escape we do not rewrite.
std::optional<std::string> decode_double_quoted(std::string_view body) {
  std::string out;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '$') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= body.size()) return std::nullopt;
    switch (body[i]) {
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case '$': out += '$'; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      default: return std::nullopt;
    }
  }
  return out;
}

// The database part of a mysql:// DSN as [start, end) in `dsn`, if any.
std::optional<std::pair<size_t, size_t>> dsn_database(std::string_view dsn) {
  if (!dsn.starts_with("mysql://") && !dsn.starts_with("mysqli://")) return std::nullopt;
  size_t authority = dsn.find("://") + 3;
  size_t query = dsn.find('?', authority);
  if (query == std::string_view::npos) query = dsn.size();
  size_t at = dsn.rfind('@', query);
  size_t host = at == std::string_view::npos || at < authority ? authority : at + 1;
  // unix(/path/to.sock) holds slashes of its own.
  size_t after_host = dsn.substr(host).starts_with("unix(") ? dsn.find(')', host) : host;
  if (after_host == std::string_view::npos) return std::nullopt;
  size_t slash = dsn.find('/', after_host);
  if (slash == std::string_view::npos || slash >= query) return std::nullopt;
  return std::pair{slash + 1, query};
}

class Rewriter {
 public:
  explicit Rewriter(const SettingsRewrite& rewrite) : rewrite_(rewrite) {
    roots_.push_back(rewrite.from_root.lexically_normal().string());
    std::error_code error;
    fs::path real = fs::canonical(rewrite.from_root, error);
    if (!error && real.string() != roots_.front()) roots_.push_back(real.string());
    for (std::string& root : roots_) {
      while (root.size() > 1 && root.ends_with('/')) root.pop_back();
    }
  }

  // The replacement of literal `value`, given the previous literal and the
  // code between the two; nullopt: keep it.
  std::optional<std::string> replace(const std::string& value, const std::string& previous,
                                     const std::string& between) const {
    if (rewrite_.base_url &&
        (between.ends_with("$base_url=") || (previous == "CIVICRM_UF_BASEURL" && between == ","))) {
      return value == *rewrite_.base_url ? std::nullopt : rewrite_.base_url;
    }
    if (previous == "database" && between == "=>") {
      if (auto it = rewrite_.databases.find(value); it != rewrite_.databases.end()) return it->second;
    }
    if (auto part = dsn_database(value)) {
      std::string database = value.substr(part->first, part->second - part->first);
      if (auto it = rewrite_.databases.find(database); it != rewrite_.databases.end()) {
        return value.substr(0, part->first) + it->second + value.substr(part->second);
      }
    }
    for (const std::string& root : roots_) {
      if (value == root || (value.starts_with(root) && value[root.size()] == '/')) {
        std::string to = rewrite_.to_root.lexically_normal().string();
        while (to.size() > 1 && to.ends_with('/')) to.pop_back();
        return to + value.substr(root.size());
      }
    }
    return std::nullopt;
  }

 private:
  const SettingsRewrite& rewrite_;
  std::vector<std::string> roots_;
};

}  // namespace

RewrittenSettings rewrite_settings_text(std::string_view text, const SettingsRewrite& rewrite) {
  Rewriter rewriter(rewrite);
  RewrittenSettings out;
  std::string previous;  // the previous literal's value
  std::string between;   // code (no spaces, comments) since it
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '#' || (c == '/' && i + 1 < text.size() && text[i + 1] == '/')) {
      size_t end = text.find('\n', i);
      end = end == std::string_view::npos ? text.size() : end;
      out.text.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      end = end == std::string_view::npos ? text.size() : end + 2;
      out.text.append(text.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '\'' || c == '"') {
      size_t end = i + 1;
      while (end < text.size() && text[end] != c) end += text[end] == '\\' ? 2U : 1U;
      end = std::min(end, text.size());
      std::string_view body = text.substr(i + 1, end - i - 1);
      std::optional<std::string> value =
          c == '\'' ? std::optional<std::string>(decode_single_quoted(body)) : decode_double_quoted(body);
      std::optional<std::string> replacement = value ? rewriter.replace(*value, previous, between) : std::nullopt;
      if (replacement) {
        out.text += php_single_quoted(*replacement);
        ++out.replacements;
      } else {
        out.text.append(text.substr(i, std::min(end + 1, text.size()) - i));
      }
      previous = value.value_or("");
      between.clear();
      i = end + 1;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c)) == 0) {
      between += c;
      if (between.size() > 64) between.erase(0, between.size() - 64);
    }
    out.text += c;
    ++i;
  }
  return out;
}

int rewrite_settings_file(const fs::path& file, const SettingsRewrite& rewrite) {
  RewrittenSettings rewritten = rewrite_settings_text(read_file(file), rewrite);
  if (rewritten.replacements > 0) replace_file_durably(file, rewritten.text);
  return rewritten.replacements;
}

}  // namespace civiup
