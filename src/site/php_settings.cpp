#include "civiup/site/php_settings.hpp"

#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "php_evaluator.hpp"
#include "php_lexer.hpp"

namespace civiup {
namespace fs = std::filesystem;

namespace {

std::string describe_kind(const PhpValue& value) {
  switch (value.kind) {
    case PhpValue::Kind::kArray:
      return "an array";
    case PhpValue::Kind::kNull:
      return "NULL";
    case PhpValue::Kind::kNotLiteral:
      return value.why_not_literal;
    case PhpValue::Kind::kString:
      break;
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
  evaluate_php(lex_php(text, file.string()), file, variables_, constants_);
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
    fail("{} line {}: {} is not a plain string: it is {}", value->file, value->line, php_variable_name(name, keys),
         describe_kind(*value));
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

std::optional<std::string> find_literal_array_item(std::string_view text, std::string_view key, const fs::path& file) {
  std::vector<PhpToken> tokens = lex_php(text, file.string());
  for (size_t i = 0; i + 2 < tokens.size(); ++i) {
    if (tokens[i].kind != PhpTokenKind::kString || tokens[i].text != key || !is_punct(tokens[i + 1], "=>")) continue;
    const PhpToken& value = tokens[i + 2];
    const PhpToken& after = tokens[i + 3 < tokens.size() ? i + 3 : tokens.size() - 1];
    bool ends = is_punct(after, ",") || is_punct(after, ")") || is_punct(after, "]");
    if (value.kind != PhpTokenKind::kString || !ends) {
      fail("{} line {}: '{}' is not a plain literal (it is computed; expected '{}' => 'literal')", file.string(),
           value.line, key, key);
    }
    return value.text;
  }
  return std::nullopt;
}

}  // namespace civiup
