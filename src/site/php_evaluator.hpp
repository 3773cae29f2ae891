#pragma once
// What the settings reader does with the lexer's tokens: runs the assignments
// and define()s it understands (see php_settings.hpp) without running PHP.
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "civiup/site/php_settings.hpp"
#include "php_lexer.hpp"

namespace civiup {

using PhpNames = std::map<std::string, PhpValue, std::less<>>;

// One file's tokens into `variables` and `constants` (a later file's
// assignments win; a define() keeps the first literal definition).  `file`
// gives __DIR__ and __FILE__ and names the file in values' messages.
void evaluate_php(std::vector<PhpToken> tokens, const std::filesystem::path& file, PhpNames& variables,
                  PhpNames& constants);

}  // namespace civiup
