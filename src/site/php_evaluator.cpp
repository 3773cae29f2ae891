#include "php_evaluator.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "civiup/system/printable_text.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

PhpValue make_value(PhpValue::Kind kind, const std::string& file, int line) {
  PhpValue value;
  value.kind = kind;
  value.file = file;
  value.line = line;
  return value;
}

PhpValue make_string(std::string text, const std::string& file, int line) {
  PhpValue value = make_value(PhpValue::Kind::kString, file, line);
  value.text = std::move(text);
  return value;
}

PhpValue make_not_literal(std::string why, const std::string& file, int line) {
  PhpValue value = make_value(PhpValue::Kind::kNotLiteral, file, line);
  value.why_not_literal = std::move(why);
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
  Evaluator(std::vector<PhpToken> tokens, const fs::path& file, PhpNames& variables, PhpNames& constants)
      : tokens_(std::move(tokens)),
        file_(file),
        file_name_(file.string()),
        variables_(variables),
        constants_(constants) {}

  void run() {
    while (current().kind != PhpTokenKind::kEnd) {
      size_t start = pos_;
      if (current().kind == PhpTokenKind::kVariable) {
        try_assignment();
      } else if (current().kind == PhpTokenKind::kIdentifier && iequals(current().text, "define") &&
                 is_punct(peek(1), "(")) {
        define();
      }
      if (pos_ == start) ++pos_;
    }
  }

 private:
  const PhpToken& current() const { return tokens_[pos_]; }
  const PhpToken& peek(size_t ahead) const { return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)]; }
  bool at_end() const { return current().kind == PhpTokenKind::kEnd; }

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
    if (!inserted && existing->second.kind == PhpValue::Kind::kNotLiteral &&
        value.kind != PhpValue::Kind::kNotLiteral) {
      existing->second = std::move(value);
    }
  }

  bool at_terminator() const {
    const PhpToken& token = current();
    return at_end() || is_punct(token, ";") || is_punct(token, ",") || is_punct(token, ")") || is_punct(token, "]") ||
           is_punct(token, "=>");
  }

  // Skips to the end of an expression we cannot evaluate (balanced brackets).
  PhpValue skip_rest(std::string why, int line) {
    int depth = 0;
    while (!at_end()) {
      const PhpToken& token = current();
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
        value = right.kind == PhpValue::Kind::kNotLiteral
                    ? right
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
    const PhpToken token = current();
    const std::string& file = file_name_;
    switch (token.kind) {
      case PhpTokenKind::kString:
      case PhpTokenKind::kNumber:
        ++pos_;
        return make_string(token.text, file, token.line);
      case PhpTokenKind::kNotLiteral:
        ++pos_;
        return make_not_literal(token.text, file, token.line);
      case PhpTokenKind::kVariable:
        return variable_reference();
      case PhpTokenKind::kIdentifier:
        return identifier_term();
      case PhpTokenKind::kPunct:
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
      case PhpTokenKind::kEnd:
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
    const PhpToken token = current();
    const std::string& id = token.text;
    ++pos_;
    if (iequals(id, "true")) return make_string("1", file_name_, token.line);
    if (iequals(id, "false")) return make_string("", file_name_, token.line);
    if (iequals(id, "null")) return make_value(PhpValue::Kind::kNull, file_name_, token.line);
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

  std::vector<PhpToken> tokens_;
  size_t pos_ = 0;
  fs::path file_;
  std::string file_name_;
  PhpNames& variables_;
  PhpNames& constants_;
};

}  // namespace

void evaluate_php(std::vector<PhpToken> tokens, const fs::path& file, PhpNames& variables, PhpNames& constants) {
  Evaluator(std::move(tokens), file, variables, constants).run();
}

}  // namespace civiup
