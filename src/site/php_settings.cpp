#include "civiup/site/php_settings.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "civiup/system/printable_text.hpp"
#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

// ---- lexer -----------------------------------------------------------------

enum class TokenKind { kVariable, kString, kNumber, kIdentifier, kPunct, kNotLiteral, kEnd };

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;  // variable name without '$', string value, identifier, punctuation
  int line = 0;
};

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
  Lexer(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

  std::vector<Token> tokens() {
    std::vector<Token> out;
    skip_inline_html();
    while (true) {
      skip_space_and_comments();
      if (pos_ >= text_.size()) break;
      if (text_.compare(pos_, 2, "?>") == 0) {
        pos_ += 2;
        out.push_back({TokenKind::kPunct, ";", line_});  // "?>" ends a statement
        skip_inline_html();
        continue;
      }
      out.push_back(next());
    }
    out.push_back({TokenKind::kEnd, "", line_});
    return out;
  }

 private:
  [[noreturn]] void syntax_error(int line, std::string_view what) const {
    fail("{} line {}: {}", file_, line, what);
  }

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

  Token next() {
    int line = line_;
    char c = peek();
    if (c == '$' && is_name_start(peek(1))) {
      advance();
      return {TokenKind::kVariable, read_name(), line};
    }
    if (is_name_start(c) || c == '\\') {
      // Names, including namespaced ones (\Foo\bar).
      std::string name;
      while (pos_ < text_.size() && (is_name_char(peek()) || peek() == '\\')) {
        name += peek();
        advance();
      }
      return {TokenKind::kIdentifier, name, line};
    }
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      std::string number;
      while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(peek())) != 0 || peek() == '.' ||
                                     peek() == '_')) {
        number += peek();
        advance();
      }
      return {TokenKind::kNumber, number, line};
    }
    if (c == '\'') return single_quoted(line);
    if (c == '"') return double_quoted(line);
    if (text_.compare(pos_, 3, "<<<") == 0) return heredoc(line);
    for (std::string_view punct : {"===", "!==", "=>", "==", "!=", ".=", "::", "->", "??", "&&", "||", "<=", ">="}) {
      if (text_.compare(pos_, punct.size(), punct) == 0) {
        advance(punct.size());
        return {TokenKind::kPunct, std::string(punct), line};
      }
    }
    advance();
    return {TokenKind::kPunct, std::string(1, c), line};
  }

  std::string read_name() {
    std::string name;
    while (pos_ < text_.size() && is_name_char(peek())) {
      name += peek();
      advance();
    }
    return name;
  }

  Token single_quoted(int line) {
    advance();
    std::string value;
    while (true) {
      if (pos_ >= text_.size()) syntax_error(line, "unterminated string");
      char c = peek();
      if (c == '\'') {
        advance();
        return {TokenKind::kString, value, line};
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

  Token double_quoted(int line) {
    advance();
    std::string value;
    bool interpolates = false;
    while (true) {
      if (pos_ >= text_.size()) syntax_error(line, "unterminated string");
      char c = peek();
      if (c == '"') {
        advance();
        if (interpolates) return {TokenKind::kNotLiteral, "a \"string\" that interpolates variables", line};
        return {TokenKind::kString, value, line};
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
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        case 'v': value += '\v'; break;
        case 'e': value += '\x1b'; break;
        case 'f': value += '\f'; break;
        case '\\': value += '\\'; break;
        case '$': value += '$'; break;
        case '"': value += '"'; break;
        case 'x':
          if (std::isxdigit(static_cast<unsigned char>(peek())) != 0) {
            std::string digits;
            while (digits.size() < 2 && std::isxdigit(static_cast<unsigned char>(peek())) != 0) {
              digits += peek();
              advance();
            }
            value += static_cast<char>(std::stoi(digits, nullptr, 16));
          } else {
            value += "\\x";
          }
          break;
        case 'u':
          if (peek() == '{') {
            size_t close = text_.find('}', pos_);
            if (close == std::string_view::npos) syntax_error(line, "unterminated \\u{} escape");
            std::string digits(text_.substr(pos_ + 1, close - pos_ - 1));
            advance(close + 1 - pos_);
            try {
              append_utf8(value, std::stoul(digits, nullptr, 16));
            } catch (const std::exception&) {
              syntax_error(line, "invalid \\u{} escape");
            }
          } else {
            value += "\\u";
          }
          break;
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
  }

  // <<<LABEL ... LABEL (heredoc) and <<<'LABEL' (nowdoc): skipped as one token.
  Token heredoc(int line) {
    advance(3);
    while (peek() == ' ' || peek() == '\t') advance();
    bool quoted = peek() == '\'' || peek() == '"';
    if (quoted) advance();
    std::string label = read_name();
    if (label.empty()) syntax_error(line, "malformed heredoc");
    while (pos_ < text_.size() && peek() != '\n') advance();
    while (pos_ < text_.size()) {
      advance();  // the newline
      size_t start = pos_;
      while (peek() == ' ' || peek() == '\t') advance();
      if (text_.compare(pos_, label.size(), label) == 0 && !is_name_char(peek(label.size()))) {
        advance(label.size());
        return {TokenKind::kNotLiteral, "a heredoc", line};
      }
      (void)start;
      while (pos_ < text_.size() && peek() != '\n') advance();
    }
    syntax_error(line, "unterminated heredoc");
  }

  std::string_view text_;
  std::string file_;
  size_t pos_ = 0;
  int line_ = 1;
};

// ---- evaluation ------------------------------------------------------------

bool is_punct(const Token& token, std::string_view text) {
  return token.kind == TokenKind::kPunct && token.text == text;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

PhpValue make_string(std::string text, const std::string& file, int line) {
  PhpValue value;
  value.kind = PhpValue::Kind::kString;
  value.text = std::move(text);
  value.file = file;
  value.line = line;
  return value;
}

PhpValue make_not_literal(std::string why, const std::string& file, int line) {
  PhpValue value;
  value.kind = PhpValue::Kind::kNotLiteral;
  value.why_not_literal = std::move(why);
  value.file = file;
  value.line = line;
  return value;
}

std::string php_dirname(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

class Evaluator {
 public:
  Evaluator(std::vector<Token> tokens, const fs::path& file,
            std::map<std::string, PhpValue, std::less<>>& variables,
            std::map<std::string, PhpValue, std::less<>>& constants)
      : tokens_(std::move(tokens)), file_(file), file_name_(file.string()), variables_(variables),
        constants_(constants) {}

  void run() {
    while (current().kind != TokenKind::kEnd) {
      size_t start = pos_;
      if (current().kind == TokenKind::kVariable) {
        try_assignment();
      } else if (current().kind == TokenKind::kIdentifier && iequals(current().text, "define") &&
                 is_punct(peek(1), "(")) {
        define();
      }
      if (pos_ == start) ++pos_;
    }
  }

 private:
  const Token& current() const { return tokens_[pos_]; }
  const Token& peek(size_t ahead) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  bool at_end() const { return current().kind == TokenKind::kEnd; }

  // $name[key]... = expr;   $name[key]... .= expr;
  void try_assignment() {
    size_t start = pos_;
    std::string name = current().text;
    int line = current().line;
    ++pos_;
    std::vector<std::optional<std::string>> keys;  // nullopt: $a[] (append)
    while (is_punct(current(), "[")) {
      ++pos_;
      if (is_punct(current(), "]")) {
        keys.push_back(std::nullopt);
        ++pos_;
        continue;
      }
      PhpValue key = expression();
      if (!is_punct(current(), "]") || key.kind != PhpValue::Kind::kString) {
        pos_ = start + 1;  // not an assignment we understand
        return;
      }
      ++pos_;
      keys.push_back(key.text);
    }
    bool append = is_punct(current(), ".=");
    if (!is_punct(current(), "=") && !append) {
      pos_ = start + 1;
      return;
    }
    ++pos_;
    PhpValue value = expression();
    if (is_punct(current(), ";")) ++pos_;
    PhpValue* target = &variables_[name];
    for (const auto& key : keys) {
      std::string k = key ? *key : std::to_string(target->kind == PhpValue::Kind::kArray ? target->items.size() : 0);
      target = &target->item(k);
    }
    if (append) {
      if (target->kind == PhpValue::Kind::kString && value.kind == PhpValue::Kind::kString) {
        target->text += value.text;
        target->line = line;
        return;
      }
      value = make_not_literal("a .= on a value that is not a plain string", file_name_, line);
    }
    value.line = line;
    *target = std::move(value);
  }

  // define('NAME', expr): the first definition wins, as in PHP — but a
  // definition we cannot evaluate gives way to a later literal one.  Without
  // running conditions, that is how CiviCRM's own template reads right:
  //   if (CIVICRM_UF === 'UnitTests' && isset($GLOBALS['_CV']['TEST_DB_DSN'])) {
  //     define('CIVICRM_DSN', $GLOBALS['_CV']['TEST_DB_DSN']);
  //   } else { define('CIVICRM_DSN', 'mysql://...'); }
  void define() {
    int line = current().line;
    pos_ += 2;
    PhpValue name = expression();
    if (!is_punct(current(), ",")) return;
    ++pos_;
    PhpValue value = expression();
    if (name.kind != PhpValue::Kind::kString) return;
    value.line = line;
    auto [existing, inserted] = constants_.try_emplace(name.text, value);
    if (!inserted && existing->second.kind == PhpValue::Kind::kNotLiteral && value.kind != PhpValue::Kind::kNotLiteral) {
      existing->second = std::move(value);
    }
  }

  bool at_terminator() const {
    const Token& token = current();
    return at_end() || is_punct(token, ";") || is_punct(token, ",") || is_punct(token, ")") ||
           is_punct(token, "]") || is_punct(token, "=>");
  }

  // Skips to the end of an expression we cannot evaluate (balanced brackets).
  PhpValue skip_rest(std::string why, int line) {
    int depth = 0;
    while (!at_end()) {
      const Token& token = current();
      if (depth == 0 && at_terminator()) break;
      if (is_punct(token, "(") || is_punct(token, "[") || is_punct(token, "{")) ++depth;
      if (is_punct(token, ")") || is_punct(token, "]") || is_punct(token, "}")) {
        if (depth == 0) break;
        --depth;
      }
      ++pos_;
    }
    return make_not_literal(std::move(why), file_name_, line);
  }

  // term ('.' term)*
  PhpValue expression() {
    int line = current().line;
    PhpValue value = term();
    while (is_punct(current(), ".")) {
      ++pos_;
      PhpValue right = term();
      if (value.kind == PhpValue::Kind::kString && right.kind == PhpValue::Kind::kString) {
        value.text += right.text;
      } else if (value.kind != PhpValue::Kind::kNotLiteral) {
        value = right.kind == PhpValue::Kind::kNotLiteral ? right
                                                          : make_not_literal("a concatenation of non-strings", file_name_, line);
      }
    }
    if (!at_terminator()) {
      std::string what = current().text;
      return skip_rest(fmt::format("an expression with '{}'", printable(what, 40)), line);
    }
    return value;
  }

  PhpValue term() {
    const Token token = current();
    const std::string& file = file_name_;
    switch (token.kind) {
      case TokenKind::kString:
        ++pos_;
        return make_string(token.text, file, token.line);
      case TokenKind::kNumber:
        ++pos_;
        return make_string(token.text, file, token.line);
      case TokenKind::kNotLiteral:
        ++pos_;
        return make_not_literal(token.text, file, token.line);
      case TokenKind::kVariable:
        return variable_reference();
      case TokenKind::kIdentifier:
        return identifier_term();
      case TokenKind::kPunct:
        if (token.text == "[") {
          ++pos_;
          return array_items("]", token.line);
        }
        if (token.text == "(") {
          ++pos_;
          PhpValue inner = expression();
          if (!is_punct(current(), ")")) return skip_rest("a parenthesised expression", token.line);
          ++pos_;
          return inner;
        }
        break;
      case TokenKind::kEnd:
        break;
    }
    return skip_rest(fmt::format("an expression starting with '{}'", printable(token.text, 40)), token.line);
  }

  PhpValue variable_reference() {
    int line = current().line;
    std::string name = current().text;
    ++pos_;
    // $GLOBALS is filled at run time (cv puts its test DSN there): never a literal.
    if (name == "GLOBALS") return skip_rest("a read of $GLOBALS", line);
    auto found = variables_.find(name);
    const PhpValue* value = found == variables_.end() ? nullptr : &found->second;
    while (is_punct(current(), "[")) {
      ++pos_;
      PhpValue key = expression();
      if (!is_punct(current(), "]")) return skip_rest("an array access", line);
      ++pos_;
      value = value != nullptr && key.kind == PhpValue::Kind::kString ? value->find(key.text) : nullptr;
    }
    if (value == nullptr) return make_not_literal(fmt::format("the unset variable ${}", name), file_name_, line);
    PhpValue copy = *value;
    copy.line = line;
    return copy;
  }

  PhpValue identifier_term() {
    const Token token = current();
    const std::string& id = token.text;
    ++pos_;
    if (iequals(id, "true")) return make_string("1", file_name_, token.line);
    if (iequals(id, "false")) return make_string("", file_name_, token.line);
    if (iequals(id, "null")) {
      PhpValue value;
      value.kind = PhpValue::Kind::kNull;
      value.file = file_name_;
      value.line = token.line;
      return value;
    }
    if (id == "__DIR__") return make_string(file_.parent_path().string(), file_name_, token.line);
    if (id == "__FILE__") return make_string(file_.string(), file_name_, token.line);
    if (id == "DIRECTORY_SEPARATOR") return make_string("/", file_name_, token.line);
    if (iequals(id, "array") && is_punct(current(), "(")) {
      ++pos_;
      return array_items(")", token.line);
    }
    if (iequals(id, "dirname") && is_punct(current(), "(")) {
      ++pos_;
      PhpValue path = expression();
      int levels = 1;
      if (is_punct(current(), ",")) {
        ++pos_;
        PhpValue count = expression();
        levels = count.kind == PhpValue::Kind::kString ? std::atoi(count.text.c_str()) : 0;
      }
      if (!is_punct(current(), ")") || path.kind != PhpValue::Kind::kString || levels < 1) {
        return skip_rest("a dirname() call", token.line);
      }
      ++pos_;
      std::string result = path.text;
      for (int i = 0; i < levels; ++i) result = php_dirname(result);
      return make_string(result, file_name_, token.line);
    }
    if (is_punct(current(), "(") || is_punct(current(), "::")) {
      return skip_rest(fmt::format("a call of {}()", id), token.line);
    }
    auto constant = constants_.find(id);
    if (constant != constants_.end()) {
      PhpValue copy = constant->second;
      copy.line = token.line;
      return copy;
    }
    return make_not_literal(fmt::format("the undefined constant {}", id), file_name_, token.line);
  }

  // Items of array(...) or [...] up to `close`.
  PhpValue array_items(std::string_view close, int line) {
    PhpValue array;
    array.kind = PhpValue::Kind::kArray;
    array.file = file_name_;
    array.line = line;
    size_t next_index = 0;
    while (!at_end() && !is_punct(current(), close)) {
      PhpValue first = expression();
      if (is_punct(current(), "=>")) {
        ++pos_;
        PhpValue value = expression();
        if (first.kind != PhpValue::Kind::kString) {
          return skip_rest("an array with a key that is not a literal", line);
        }
        array.items.emplace_back(first.text, std::move(value));
      } else {
        array.items.emplace_back(std::to_string(next_index++), std::move(first));
      }
      if (is_punct(current(), ",")) {
        ++pos_;
      } else if (!is_punct(current(), close)) {
        return skip_rest("a malformed array", line);
      }
    }
    if (at_end()) return make_not_literal("an unterminated array", file_name_, line);
    ++pos_;
    return array;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  fs::path file_;
  std::string file_name_;
  std::map<std::string, PhpValue, std::less<>>& variables_;
  std::map<std::string, PhpValue, std::less<>>& constants_;
};

std::string describe_kind(const PhpValue& value) {
  switch (value.kind) {
    case PhpValue::Kind::kArray: return "an array";
    case PhpValue::Kind::kNull: return "NULL";
    case PhpValue::Kind::kNotLiteral: return value.why_not_literal;
    case PhpValue::Kind::kString: break;
  }
  return "a string";
}

}  // namespace

PhpValue::PhpValue() = default;
PhpValue::PhpValue(const PhpValue&) = default;
PhpValue::PhpValue(PhpValue&&) noexcept = default;
PhpValue& PhpValue::operator=(const PhpValue&) = default;
PhpValue& PhpValue::operator=(PhpValue&&) noexcept = default;
PhpValue::~PhpValue() = default;

const PhpValue* PhpValue::find(std::string_view key) const {
  if (kind != Kind::kArray) return nullptr;
  // The last of equal keys wins, as in PHP.
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    if (it->first == key) return &it->second;
  }
  return nullptr;
}

PhpValue& PhpValue::item(const std::string& key) {
  if (kind != Kind::kArray) {
    *this = PhpValue{};
    kind = Kind::kArray;
  }
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    if (it->first == key) return it->second;
  }
  items.emplace_back(key, PhpValue{});
  return items.back().second;
}

std::string php_variable_name(std::string_view name, std::initializer_list<std::string_view> keys) {
  std::string text = fmt::format("${}", name);
  for (std::string_view key : keys) text += fmt::format("['{}']", key);
  return text;
}

void PhpSettings::read(std::string_view text, const fs::path& file) {
  Evaluator(Lexer(text, file.string()).tokens(), file, variables_, constants_).run();
}

void PhpSettings::read_file(const fs::path& file) { read(civiup::read_file(file), file); }

const PhpValue* PhpSettings::variable(std::string_view name, std::initializer_list<std::string_view> keys) const {
  auto found = variables_.find(name);
  if (found == variables_.end()) return nullptr;
  const PhpValue* value = &found->second;
  for (std::string_view key : keys) {
    value = value->find(key);
    if (value == nullptr) return nullptr;
  }
  return value;
}

const PhpValue* PhpSettings::constant(std::string_view name) const {
  auto found = constants_.find(name);
  return found == constants_.end() ? nullptr : &found->second;
}

std::optional<std::string> PhpSettings::string_variable(std::string_view name,
                                                        std::initializer_list<std::string_view> keys) const {
  const PhpValue* value = variable(name, keys);
  if (value == nullptr) return std::nullopt;
  if (value->kind != PhpValue::Kind::kString) {
    fail("{} line {}: {} is not a plain string: it is {}", value->file, value->line,
         php_variable_name(name, keys), describe_kind(*value));
  }
  return value->text;
}

std::optional<std::string> PhpSettings::string_constant(std::string_view name) const {
  const PhpValue* value = constant(name);
  if (value == nullptr) return std::nullopt;
  if (value->kind != PhpValue::Kind::kString) {
    fail("{} line {}: {} is not a plain string: it is {}", value->file, value->line, name, describe_kind(*value));
  }
  return value->text;
}

std::optional<std::string> find_literal_array_item(std::string_view text, std::string_view key,
                                                   const fs::path& file) {
  std::vector<Token> tokens = Lexer(text, file.string()).tokens();
  for (size_t i = 0; i + 2 < tokens.size(); ++i) {
    if (tokens[i].kind != TokenKind::kString || tokens[i].text != key || !is_punct(tokens[i + 1], "=>")) continue;
    const Token& value = tokens[i + 2];
    const Token& after = tokens[i + 3 < tokens.size() ? i + 3 : tokens.size() - 1];
    bool ends = is_punct(after, ",") || is_punct(after, ")") || is_punct(after, "]");
    if (value.kind != TokenKind::kString || !ends) {
      fail("{} line {}: '{}' is not a plain literal (it is computed; expected '{}' => 'literal')", file.string(),
           value.line, key, key);
    }
    return value.text;
  }
  return std::nullopt;
}

}  // namespace civiup
