// The copy's settings: every literal naming the original site is rewritten,
// nothing else changes.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace civiup
