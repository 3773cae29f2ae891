// The one PHP lexer (src/site/php_lexer.hpp) that both the settings reader and
// the rewriter read: the tokens where a scanner most easily goes wrong.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "civiup/base/error.hpp"
#include "site/php_lexer.hpp"

namespace civiup {
namespace {

// "kind:text" of every token but the final kEnd.
std::vector<std::string> lexed(std::string_view text, PhpLexStart start = PhpLexStart::kCode) {
  std::vector<std::string> out;
  for (const PhpToken& token : lex_php(text, "t.php", start)) {
    if (token.kind == PhpTokenKind::kEnd) break;
    const char* kind = "?";
    switch (token.kind) {
      case PhpTokenKind::kVariable:
        kind = "var";
        break;
      case PhpTokenKind::kString:
        kind = "str";
        break;
      case PhpTokenKind::kNumber:
        kind = "num";
        break;
      case PhpTokenKind::kIdentifier:
        kind = "id";
        break;
      case PhpTokenKind::kPunct:
        kind = "p";
        break;
      case PhpTokenKind::kNotLiteral:
        kind = "not";
        break;
      case PhpTokenKind::kEnd:
        break;
    }
    out.push_back(std::string(kind) + ":" + token.text);
  }
  return out;
}

std::string error_of(std::string_view text) {
  try {
    lex_php(text, "t.php");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

using Tokens = std::vector<std::string>;

TEST(PhpLexer, EscapedQuotesInBothQuoteKinds) {
  EXPECT_EQ(lexed(R"($a = 'it\'s \\ \n';)"), (Tokens{"var:a", "p:=", R"(str:it's \ \n)", "p:;"}));
  EXPECT_EQ(lexed(R"("say \"hi\" \\ \$x";)"), (Tokens{R"(str:say "hi" \ $x)", "p:;"}));
  // A backslash before the closing quote escapes it; the string goes on.
  EXPECT_EQ(lexed(R"('a\\' . 'b')"), (Tokens{R"(str:a\)", "p:.", "str:b"}));
}

TEST(PhpLexer, DoubleQuotedEscapesAsPhpReadsThem) {
  EXPECT_EQ(lexed(R"("\x41\101\u{e9}\t\q\x")"), (Tokens{"str:AA\xc3\xa9\t\\q\\x"}));
  EXPECT_EQ(lexed(R"("cost: $5" "a{$b}" "$name")"),
            (Tokens{"str:cost: $5", "not:a \"string\" that interpolates variables",
                    "not:a \"string\" that interpolates variables"}));
}

TEST(PhpLexer, CommentsOfAllThreeKindsHideTheirQuotes) {
  EXPECT_EQ(lexed("# it's\n$a = 1; // don't\n/* 'open \" */ $b"), (Tokens{"var:a", "p:=", "num:1", "p:;", "var:b"}));
  // A string holding comment markers is a string.
  EXPECT_EQ(lexed(R"('# not // a /* comment')"), (Tokens{"str:# not // a /* comment"}));
}

TEST(PhpLexer, CloseTagInsideAStringIsText) {
  EXPECT_EQ(lexed("<?php $a = '?>'; $b = \"?>\";", PhpLexStart::kInlineHtml),
            (Tokens{"var:a", "p:=", "str:?>", "p:;", "var:b", "p:=", "str:?>", "p:;"}));
  // Outside a string, "?>" ends the statement and the code, also after a one-line comment.
  EXPECT_EQ(lexed("<?php $a = 1 // note ?> it's html <?php $b", PhpLexStart::kInlineHtml),
            (Tokens{"var:a", "p:=", "num:1", "p:;", "var:b"}));
}

TEST(PhpLexer, InlineHtmlBeforeTheOpenTagIsNotCode) {
  EXPECT_EQ(lexed("it's text <?php $a", PhpLexStart::kInlineHtml), (Tokens{"var:a"}));
  EXPECT_EQ(lexed("$a <?php", PhpLexStart::kInlineHtml), (Tokens{}));
}

TEST(PhpLexer, HeredocAndNowdocAreOneTokenWithTheirQuotes) {
  EXPECT_EQ(lexed("$a = <<<EOT\nit's \"x\"\nEOT;\n$b = <<<'NOW'\n'\n  NOW;\n"),
            (Tokens{"var:a", "p:=", "not:a heredoc", "p:;", "var:b", "p:=", "not:a heredoc", "p:;"}));
}

TEST(PhpLexer, TokensKnowWhereTheyAreWritten) {
  std::string text = "<?php\n$x = 'a\\'b' ?>";
  std::vector<PhpToken> tokens = lex_php(text, "t.php");
  ASSERT_EQ(tokens.size(), 5U);
  EXPECT_EQ(text.substr(tokens[0].begin, tokens[0].end - tokens[0].begin), "$x");
  EXPECT_EQ(text.substr(tokens[2].begin, tokens[2].end - tokens[2].begin), "'a\\'b'");
  EXPECT_EQ(tokens[2].line, 2);
  EXPECT_EQ(text.substr(tokens[3].begin, tokens[3].end - tokens[3].begin), "?>");
  EXPECT_EQ(tokens[4].kind, PhpTokenKind::kEnd);
  EXPECT_EQ(tokens[4].begin, text.size());
}

TEST(PhpLexer, BrokenSyntaxNamesFileAndLine) {
  EXPECT_EQ(error_of("<?php\n$a = 'open\\';\n"), "t.php line 2: unterminated string");
  EXPECT_EQ(error_of("<?php\n\n/* it's"), "t.php line 3: unterminated /* comment");
  EXPECT_EQ(error_of("<?php $a = <<<EOT\ntext\n"), "t.php line 1: unterminated heredoc");
  EXPECT_EQ(error_of("<?php \"\\u{zz}\""), "t.php line 1: invalid \\u{} escape");
}

}  // namespace
}  // namespace civiup
