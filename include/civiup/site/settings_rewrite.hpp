#pragma once
// Rewriting a copied site's settings.php, settings.local.php and
// civicrm.settings.php (civiup rehearse): every PHP string literal that names
// the original site is replaced, and nothing else of the file changes.
//
//   - a DSN ("mysql://user:pass@host/db?...") whose database is a key of
//     `databases` gets the copy's database name (the rest is kept byte for byte);
//   - the value of a 'database' => '...' array item, likewise;
//   - a path equal to `from_root` or under it is moved under `to_root`
//     ($civicrm_root, CIVICRM_TEMPLATE_COMPILEDIR, absolute config paths);
//   - with `base_url` set, the values of `$base_url = ...` and
//     define('CIVICRM_UF_BASEURL', ...).
//
// Literals are found by the lexer the settings reader uses (php_lexer.hpp), so
// comments are skipped and escapes read as PHP reads them; a double-quoted
// string that interpolates and a heredoc are left alone (the copy's settings
// are read back and checked afterwards, so a value left naming production is
// caught).  A replaced literal is written single-quoted.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace civiup {

struct SettingsRewrite {
  std::filesystem::path from_root;
  std::filesystem::path to_root;
  std::map<std::string, std::string> databases;  // original database name -> the copy's
  std::optional<std::string> base_url;
};

struct RewrittenSettings {
  std::string text;
  int replacements = 0;
};

// `text` is lexed as a PHP file (inline HTML up to "<?php"), or, holding no
// open tag, as a fragment of code; `file` names it in a syntax error ("FILE
// line N: unterminated string").
RewrittenSettings rewrite_settings_text(std::string_view text, const SettingsRewrite& rewrite,
                                        std::string_view file = "settings");

// Rewrites `file` in place (durably, keeping its mode and owner); returns the
// number of literals replaced.
int rewrite_settings_file(const std::filesystem::path& file, const SettingsRewrite& rewrite);

}  // namespace civiup
