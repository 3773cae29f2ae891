#pragma once
// The one lexer for PHP read as text (settings.php, civicrm.settings.php,
// civicrm-version.php): the settings reader (php_evaluator) and the rewriter
// (settings_rewrite) both work on its tokens.  It knows strings in both quote
// kinds with PHP's escapes, heredoc and nowdoc (one token each), the three
// kinds of comment (skipped), names, variables, numbers and punctuation, and
// that "?>" ends the code and "<?php" starts it again.
#include <string>
#include <string_view>
#include <vector>

namespace civiup {

enum class PhpTokenKind { kVariable, kString, kNumber, kIdentifier, kPunct, kNotLiteral, kEnd };

struct PhpToken {
  PhpTokenKind kind = PhpTokenKind::kEnd;
  // A variable's name without '$'; a string's value with its escapes decoded;
  // an identifier; punctuation ("?>" is ";", as it ends a statement); for
  // kNotLiteral (an interpolating "string", a heredoc) what it is.
  std::string text;
  int line = 0;
  size_t begin = 0;  // [begin, end): where it is written, so that a rewriter can replace it byte for byte
  size_t end = 0;
};

// A file starts as inline HTML (output up to "<?php"); kCode lexes text that
// is code from its first byte (a fragment, as the rewriter's tests give it).
enum class PhpLexStart { kInlineHtml, kCode };

// The tokens of `text`, the last one kEnd.  Throws "FILE line N: unterminated
// string" (or comment, heredoc, \u{} escape) on broken syntax.
std::vector<PhpToken> lex_php(std::string_view text, std::string_view file,
                              PhpLexStart start = PhpLexStart::kInlineHtml);

inline bool is_punct(const PhpToken& token, std::string_view text) {
  return token.kind == PhpTokenKind::kPunct && token.text == text;
}

}  // namespace civiup
