#include "civiup/site/settings_rewrite.hpp"

#include <vector>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/site/database_dsn.hpp"
#include "php_lexer.hpp"

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

  // The replacement of the string literal tokens[i]; nullopt: keep it.
  std::optional<std::string> replace(const std::vector<PhpToken>& tokens, size_t i) const {
    const std::string& value = tokens[i].text;
    // What is written just before it: `$base_url =`, `define('CIVICRM_UF_BASEURL',`, `'database' =>`.
    static const PhpToken kNone;
    auto before = [&](size_t back) -> const PhpToken& { return back <= i ? tokens[i - back] : kNone; };
    auto after = [&](PhpTokenKind kind, std::string_view text, std::string_view punct) {
      return is_punct(before(1), punct) && before(2).kind == kind && before(2).text == text;
    };
    if (rewrite_.base_url) {
      if (after(PhpTokenKind::kVariable, "base_url", "=") || after(PhpTokenKind::kString, "CIVICRM_UF_BASEURL", ",")) {
        return value == *rewrite_.base_url ? std::nullopt : rewrite_.base_url;
      }
    }
    if (after(PhpTokenKind::kString, "database", "=>")) {
      if (auto it = rewrite_.databases.find(value); it != rewrite_.databases.end()) return it->second;
    }
    if (auto dsn = copy_dsn(value)) return dsn;
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
  // A DSN naming a database being copied, naming the copy instead (parsed by
  // the one DSN parser; a literal that is no valid DSN is not one).
  std::optional<std::string> copy_dsn(const std::string& value) const {
    if (value.find("://") == std::string::npos) return std::nullopt;
    try {
      auto it = rewrite_.databases.find(parse_dsn(value, "a DSN literal").database);
      if (it != rewrite_.databases.end()) return dsn_with_database(value, it->second, "a DSN literal");
    } catch (const Error&) {
    }
    return std::nullopt;
  }

  const SettingsRewrite& rewrite_;
  std::vector<std::string> roots_;
};

}  // namespace

RewrittenSettings rewrite_settings_text(std::string_view text, const SettingsRewrite& rewrite, std::string_view file) {
  Rewriter rewriter(rewrite);
  // A file is lexed as discovery lexes it (inline HTML up to "<?php"); text
  // without an open tag can only be a fragment of code (as the tests give it).
  bool fragment = text.find("<?php") == std::string_view::npos && text.find("<?=") == std::string_view::npos;
  std::vector<PhpToken> tokens = lex_php(text, file, fragment ? PhpLexStart::kCode : PhpLexStart::kInlineHtml);
  RewrittenSettings out;
  size_t copied = 0;  // text before it is in out.text
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i].kind != PhpTokenKind::kString) continue;
    if (std::optional<std::string> replacement = rewriter.replace(tokens, i)) {
      out.text.append(text.substr(copied, tokens[i].begin - copied));
      out.text += php_single_quoted(*replacement);
      copied = tokens[i].end;
      ++out.replacements;
    }
  }
  out.text.append(text.substr(copied));
  return out;
}

int rewrite_settings_file(const fs::path& file, const SettingsRewrite& rewrite) {
  RewrittenSettings rewritten = rewrite_settings_text(read_file(file), rewrite, file.string());
  if (rewritten.replacements > 0) replace_file_durably(file, rewritten.text);
  return rewritten.replacements;
}

}  // namespace civiup
