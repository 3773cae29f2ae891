#include "php_lexer.hpp"

#include <algorithm>
#include <cctype>

#include "civiup/base/error.hpp"

namespace civiup {
namespace {

bool is_name_start(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_' || static_cast<unsigned char>(c) >= 0x80;
}
bool is_name_char(char c) { return is_name_start(c) || std::isdigit(static_cast<unsigned char>(c)) != 0; }

void append_utf8(std::string& out, unsigned long code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

class Lexer {
 public:
  Lexer(std::string_view text, std::string_view file) : text_(text), file_(file) {}

  std::vector<PhpToken> tokens(PhpLexStart start) {
    std::vector<PhpToken> out;
    if (start == PhpLexStart::kInlineHtml) skip_inline_html();
    while (true) {
      skip_space_and_comments();
      if (pos_ >= text_.size()) break;
      size_t begin = pos_;
      if (text_.compare(pos_, 2, "?>") == 0) {
        pos_ += 2;
        out.push_back({PhpTokenKind::kPunct, ";", line_, begin, pos_});  // "?>" ends a statement
        skip_inline_html();
        continue;
      }
      out.push_back(next());
      out.back().begin = begin;
      out.back().end = pos_;
    }
    out.push_back({PhpTokenKind::kEnd, "", line_, text_.size(), text_.size()});
    return out;
  }

 private:
  [[noreturn]] void syntax_error(int line, std::string_view what) const { fail("{} line {}: {}", file_, line, what); }

  char peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  void advance(size_t count = 1) {
    for (size_t i = 0; i < count && pos_ < text_.size(); ++i) {
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
  }

  // Text outside <?php ... ?> is output, not code.
  void skip_inline_html() {
    size_t open = text_.find("<?php", pos_);
    size_t short_open = text_.find("<?=", pos_);
    open = std::min(open, short_open);
    if (open == std::string_view::npos) {
      advance(text_.size() - pos_);
      return;
    }
    advance(open - pos_);
    advance(text_.compare(pos_, 5, "<?php") == 0 ? 5 : 3);
  }

  // A one-line comment (# or //) ends before "?>", as in PHP.
  void skip_space_and_comments() {
    while (pos_ < text_.size()) {
      char c = peek();
      if (std::isspace(static_cast<unsigned char>(c)) != 0) {
        advance();
      } else if (c == '#' || (c == '/' && peek(1) == '/')) {
        while (pos_ < text_.size() && peek() != '\n' && text_.compare(pos_, 2, "?>") != 0) advance();
      } else if (c == '/' && peek(1) == '*') {
        int start = line_;
        size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) syntax_error(start, "unterminated /* comment");
        advance(end + 2 - pos_);
      } else {
        return;
      }
    }
  }

  PhpToken next() {
    int line = line_;
    char c = peek();
    if (c == '$' && is_name_start(peek(1))) {
      advance();
      return {PhpTokenKind::kVariable, read_name(), line};
    }
    if (is_name_start(c) || c == '\\') {
      // Names, including namespaced ones (\Foo\bar).
      std::string name;
      while (pos_ < text_.size() && (is_name_char(peek()) || peek() == '\\')) {
        name += peek();
        advance();
      }
      return {PhpTokenKind::kIdentifier, name, line};
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      std::string number;
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(peek())) != 0 || peek() == '.' || peek() == '_')) {
        number += peek();
        advance();
      }
      return {PhpTokenKind::kNumber, number, line};
    }
    if (c == '\'') return single_quoted(line);
    if (c == '"') return double_quoted(line);
    if (text_.compare(pos_, 3, "<<<") == 0) return heredoc(line);
    for (std::string_view punct : {"===", "!==", "=>", "==", "!=", ".=", "::", "->", "??", "&&", "||", "<=", ">="}) {
      if (text_.compare(pos_, punct.size(), punct) == 0) {
        advance(punct.size());
        return {PhpTokenKind::kPunct, std::string(punct), line};
      }
    }
    advance();
    return {PhpTokenKind::kPunct, std::string(1, c), line};
  }

  std::string read_name() {
    std::string name;
    while (pos_ < text_.size() && is_name_char(peek())) {
      name += peek();
      advance();
    }
    return name;
  }

  // '...': only \' and \\ are escapes.
  PhpToken single_quoted(int line) {
    advance();
    std::string value;
    while (true) {
      if (pos_ >= text_.size()) syntax_error(line, "unterminated string");
      char c = peek();
      if (c == '\'') {
        advance();
        return {PhpTokenKind::kString, value, line};
      }
      if (c == '\\' && (peek(1) == '\'' || peek(1) == '\\')) {
        value += peek(1);
        advance(2);
        continue;
      }
      value += c;
      advance();
    }
  }

  PhpToken double_quoted(int line) {
    advance();
    std::string value;
    bool interpolates = false;
    while (true) {
      if (pos_ >= text_.size()) syntax_error(line, "unterminated string");
      char c = peek();
      if (c == '"') {
        advance();
        if (interpolates) return {PhpTokenKind::kNotLiteral, "a \"string\" that interpolates variables", line};
        return {PhpTokenKind::kString, value, line};
      }
      if (c == '$' && (is_name_start(peek(1)) || peek(1) == '{')) interpolates = true;
      if (c == '{' && peek(1) == '$') interpolates = true;
      if (c != '\\') {
        value += c;
        advance();
        continue;
      }
      char e = peek(1);
      advance(2);
      escape(e, value, line);
    }
  }

  // The escape "\e" of a double-quoted string, its backslash and `e` read.
  void escape(char e, std::string& value, int line) {
    switch (e) {
      case 'n':
        value += '\n';
        return;
      case 't':
        value += '\t';
        return;
      case 'r':
        value += '\r';
        return;
      case 'v':
        value += '\v';
        return;
      case 'e':
        value += '\x1b';
        return;
      case 'f':
        value += '\f';
        return;
      case '\\':
        value += '\\';
        return;
      case '$':
        value += '$';
        return;
      case '"':
        value += '"';
        return;
      case 'x':
        if (std::isxdigit(static_cast<unsigned char>(peek())) == 0) {
          value += "\\x";
          return;
        }
        {
          std::string digits;
          while (digits.size() < 2 && std::isxdigit(static_cast<unsigned char>(peek())) != 0) {
            digits += peek();
            advance();
          }
          value += static_cast<char>(std::stoi(digits, nullptr, 16));
        }
        return;
      case 'u':
        if (peek() != '{') {
          value += "\\u";
          return;
        }
        {
          size_t close = text_.find('}', pos_);
          if (close == std::string_view::npos) syntax_error(line, "unterminated \\u{} escape");
          std::string digits(text_.substr(pos_ + 1, close - pos_ - 1));
          advance(close + 1 - pos_);
          try {
            append_utf8(value, std::stoul(digits, nullptr, 16));
          } catch (const std::exception&) {
            syntax_error(line, "invalid \\u{} escape");
          }
        }
        return;
      default:
        if (e >= '0' && e <= '7') {
          int code = e - '0';
          for (int i = 0; i < 2 && peek() >= '0' && peek() <= '7'; ++i) {
            code = code * 8 + (peek() - '0');
            advance();
          }
          value += static_cast<char>(code & 0xFF);
        } else {
          value += '\\';  // PHP keeps unknown escapes as they are
          value += e;
        }
    }
  }

  // <<<LABEL ... LABEL (heredoc) and <<<'LABEL' (nowdoc): one token, never a literal.
  PhpToken heredoc(int line) {
    advance(3);
    while (peek() == ' ' || peek() == '\t') advance();
    bool quoted = peek() == '\'' || peek() == '"';
    if (quoted) advance();
    std::string label = read_name();
    if (label.empty()) syntax_error(line, "malformed heredoc");
    while (pos_ < text_.size() && peek() != '\n') advance();
    while (pos_ < text_.size()) {
      advance();  // the newline
      while (peek() == ' ' || peek() == '\t') advance();
      if (text_.compare(pos_, label.size(), label) == 0 && !is_name_char(peek(label.size()))) {
        advance(label.size());
        return {PhpTokenKind::kNotLiteral, "a heredoc", line};
      }
      while (pos_ < text_.size() && peek() != '\n') advance();
    }
    syntax_error(line, "unterminated heredoc");
  }

  std::string_view text_;
  std::string_view file_;
  size_t pos_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<PhpToken> lex_php(std::string_view text, std::string_view file, PhpLexStart start) {
  return Lexer(text, file).tokens(start);
}

}  // namespace civiup
