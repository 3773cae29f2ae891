#pragma once
// Reads PHP settings files (settings.php, settings.local.php,
// civicrm.settings.php, civicrm-version.php) as TEXT: they are never executed.
// Understood: assignments to variables and array keys (`$a['b'] = ...;`),
// `define('NAME', ...)` (also inside `if (!defined(...))`; the first
// definition wins, as in PHP, except that one we cannot evaluate gives way to
// a later literal one: conditions are not run, and CiviCRM's template puts a
// run-time test DSN branch before the real one), string literals with PHP's escapes, numbers,
// TRUE/FALSE/NULL, `array(...)` and `[...]`, concatenation with `.`,
// `__DIR__`, `__FILE__`, `dirname(...)`, and constants and variables set
// earlier.  Everything else is skipped; a value built from anything else
// (getenv(), a function call, $GLOBALS, an interpolating "$string") is recorded as
// "not a literal" and is an error only when civiup asks for it.  The tokens
// come from src/site/php_lexer.hpp (shared with settings_rewrite), what is
// done with them from src/site/php_evaluator.hpp.
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace civiup {

struct PhpValue {
  enum class Kind { kString, kArray, kNull, kNotLiteral };
  Kind kind = Kind::kNotLiteral;
  std::string text;                                     // kString (numbers, booleans as PHP prints them)
  std::vector<std::pair<std::string, PhpValue>> items;  // kArray, in order
  std::string why_not_literal;                          // kNotLiteral: what it is instead
  std::string file;                                     // where it was set, for messages
  int line = 0;

  // Declared here, defaulted in the .cpp: `items` holds PhpValue itself, and
  // clang (with libstdc++) rejects the implicit members of such a recursive type.
  PhpValue();
  PhpValue(const PhpValue&);
  PhpValue(PhpValue&&) noexcept;
  PhpValue& operator=(const PhpValue&);
  PhpValue& operator=(PhpValue&&) noexcept;
  ~PhpValue();

  const PhpValue* find(std::string_view key) const;
  // The item `key`, created (or turned into an array) when needed.
  PhpValue& item(const std::string& key);
};

class PhpSettings {
 public:
  // Reads one file's text; `file` gives __DIR__/__FILE__ and names the file in
  // errors.  Several files may be read in order (settings.php, then
  // settings.local.php): later assignments win.  Throws on broken PHP syntax
  // (an unterminated string or comment).
  void read(std::string_view text, const std::filesystem::path& file);
  void read_file(const std::filesystem::path& file);

  // $name['key1']['key2']...: nullptr when never assigned.
  const PhpValue* variable(std::string_view name, std::initializer_list<std::string_view> keys = {}) const;
  const PhpValue* constant(std::string_view name) const;

  // The string value, nullopt when never set; throws ("FILE line N: $name[...]
  // is not a plain string: ...") when set to anything else.
  std::optional<std::string> string_variable(std::string_view name,
                                             std::initializer_list<std::string_view> keys = {}) const;
  std::optional<std::string> string_constant(std::string_view name) const;

 private:
  std::map<std::string, PhpValue, std::less<>> variables_;
  std::map<std::string, PhpValue, std::less<>> constants_;
};

// A literal `'key' => 'value'` item anywhere in `text` (civicrm-version.php's
// returned array).  nullopt when the key does not occur; throws ("FILE line N:
// 'key' is not a plain literal") when its value is anything but one string
// literal.
std::optional<std::string> find_literal_array_item(std::string_view text, std::string_view key,
                                                   const std::filesystem::path& file);

// "$name['a']['b']" for messages.
std::string php_variable_name(std::string_view name, std::initializer_list<std::string_view> keys);

}  // namespace civiup
