// The copy's settings: every literal naming the original site is rewritten,
// nothing else changes.
#include <gtest/gtest.h>

#include "civiup/base/error.hpp"
#include "civiup/site/settings_rewrite.hpp"

namespace civiup {
namespace {

SettingsRewrite to_copy() {
  SettingsRewrite rewrite;
  rewrite.from_root = "/var/www/site";
  rewrite.to_root = "/srv/copy";
  rewrite.databases = {{"bd", "rh_bd"}, {"crm", "rh_crm"}};
  return rewrite;
}

void expect_rewrite(const std::string& text, const SettingsRewrite& rewrite, int replacements,
                    const std::string& expected) {
  RewrittenSettings out = rewrite_settings_text(text, rewrite);
  EXPECT_EQ(out.replacements, replacements);
  EXPECT_EQ(out.text, expected);
}

TEST(SettingsRewrite, DsnsPathsAndArrayItemsNameTheCopy) {
  std::string text =
      "<?php\n"
      "$database = 'mysql://u:p%40ss@db.example:3306/bd';\n"
      "// $database = 'mysql://u:p@host/bd';  a comment stays as it is\n"
      "$databases['default']['default'] = array('database' => 'bd', 'username' => 'bd');\n"
      "define('CIVICRM_DSN', \"mysql://u:p@unix(/run/my.sock)/crm?new_link=true\");\n"
      "$civicrm_root = '/var/www/site/modules/civicrm/';\n"
      "define('CIVICRM_TEMPLATE_COMPILEDIR', '/var/www/site/files/civicrm/templates_c/');\n"
      "$other = '/var/www/site.old/x';\n"
      "define('CIVICRM_UF_BASEURL', 'http://example.org/');\n";
  expect_rewrite(text, to_copy(), 5,
                 "<?php\n"
                 "$database = 'mysql://u:p%40ss@db.example:3306/rh_bd';\n"
                 "// $database = 'mysql://u:p@host/bd';  a comment stays as it is\n"
                 "$databases['default']['default'] = array('database' => 'rh_bd', 'username' => 'bd');\n"
                 "define('CIVICRM_DSN', 'mysql://u:p@unix(/run/my.sock)/rh_crm?new_link=true');\n"
                 "$civicrm_root = '/srv/copy/modules/civicrm/';\n"
                 "define('CIVICRM_TEMPLATE_COMPILEDIR', '/srv/copy/files/civicrm/templates_c/');\n"
                 "$other = '/var/www/site.old/x';\n"
                 "define('CIVICRM_UF_BASEURL', 'http://example.org/');\n");
}

TEST(SettingsRewrite, BaseUrlOnlyWhenGiven) {
  SettingsRewrite rewrite = to_copy();
  rewrite.base_url = "http://copy.test/";
  std::string text =
      "$base_url = 'http://example.org';\n"
      "if (!defined('CIVICRM_UF_BASEURL')) {\n  define( 'CIVICRM_UF_BASEURL' , 'http://example.org/');\n}\n";
  expect_rewrite(text, rewrite, 2,
                 "$base_url = 'http://copy.test/';\n"
                 "if (!defined('CIVICRM_UF_BASEURL')) {\n  define( 'CIVICRM_UF_BASEURL' , 'http://copy.test/');\n}\n");
}

TEST(SettingsRewrite, InterpolatingStringsAndQuotesAreLeftOrKeptExact) {
  std::string text =
      "$a = \"mysql://u:p@h/$db\";\n"
      "$b = 'it\\'s /var/www/site';\n"
      "$c = '/var/www/site/it\\'s';\n";
  expect_rewrite(text, to_copy(), 1,
                 "$a = \"mysql://u:p@h/$db\";\n"
                 "$b = 'it\\'s /var/www/site';\n"
                 "$c = '/srv/copy/it\\'s';\n");
}

// The rewriter reads the settings reader's tokens: a quote in a heredoc or a
// comment does not shift what it takes for a literal, and escapes are PHP's.
TEST(SettingsRewrite, LiteralsAreTheTokensTheReaderSees) {
  std::string text =
      "<?php\n"
      "$note = <<<EOT\nit's '/var/www/site' \nEOT;\n"
      "# don't\n"
      "$civicrm_root = \"/var/www/site/\x6dodules\";\n"
      "/* it's */ $d = 'mysql://u:p@h/cr%6D?new_link=true';\n";
  RewrittenSettings out = rewrite_settings_text(text, to_copy());
  EXPECT_EQ(out.replacements, 2);
  EXPECT_EQ(out.text,
            "<?php\n"
            "$note = <<<EOT\nit's '/var/www/site' \nEOT;\n"
            "# don't\n"
            "$civicrm_root = '/srv/copy/modules';\n"
            "/* it's */ $d = 'mysql://u:p@h/rh_crm?new_link=true';\n");
}

TEST(SettingsRewrite, TextBeforeTheOpenTagIsNotCode) {
  // What discovery skips as inline HTML is not lexed: its quote starts no string.
  std::string text = "Don't edit\n<?php\n$civicrm_root = '/var/www/site';\n";
  RewrittenSettings out = rewrite_settings_text(text, to_copy());
  EXPECT_EQ(out.replacements, 1);
  EXPECT_EQ(out.text, "Don't edit\n<?php\n$civicrm_root = '/srv/copy';\n");
}

TEST(SettingsRewrite, AnInvalidDsnIsNotADsn) {
  // The one DSN parser decides: no user, or a malformed %-escape, is no DSN.
  std::string text = "$a = 'mysql://h/bd'; $b = 'mysql://u:p%zz@h/bd';\n";
  RewrittenSettings out = rewrite_settings_text(text, to_copy());
  EXPECT_EQ(out.replacements, 0);
  EXPECT_EQ(out.text, text);
}

TEST(SettingsRewrite, SyntaxErrorNamesTheFile) {
  try {
    rewrite_settings_text("$a = 'open;\n", to_copy(), "/x/settings.php");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "/x/settings.php line 1: unterminated string");
  }
}

}  // namespace
}  // namespace civiup
