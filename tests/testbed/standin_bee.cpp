#include "testbed/standin_bee.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "testbed/sql_session.hpp"

namespace civiup::testbed {
namespace {

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string first_match(const std::string& text, const std::string& pattern) {
  std::smatch match;
  return std::regex_search(text, match, std::regex(pattern)) ? std::string(match[2]) : std::string();
}

int run(const std::vector<std::string>& args) {
  std::string root = ".";
  std::vector<std::string> words;
  for (const std::string& arg : args) {
    if (arg.rfind("--root=", 0) == 0) {
      root = arg.substr(7);
    } else if (arg != "--yes" && arg != "-y") {
      words.push_back(arg);
    }
  }
  if (const char* log = std::getenv("CIVIUP_STANDIN_BEE_LOG")) {
    std::ofstream(log, std::ios::app) << fmt::format("{}\n", fmt::join(words, " "));
  }
  if (words.empty()) {
    std::puts("usage: bee [--root=DIR] COMMAND");
    return 0;
  }
  const std::string& command = words[0];
  const std::string argument = words.size() > 1 ? words[1] : "";
  const char* lie = std::getenv("CIVIUP_STANDIN_BEE_LIE");
  if (lie != nullptr && command == lie) {
    std::printf("[success] %s %s\n", command.c_str(), argument.c_str());
    return 0;
  }
  std::string dsn = first_match(file_text(root + "/civicrm.settings.php"),
                                R"(define\s*\(\s*['"]CIVICRM_UF_DSN['"]\s*,\s*(['"])(.*?)\1)");
  std::string prefix = first_match(file_text(root + "/settings.php"), R"(\$database_prefix\s*=\s*(['"])(.*?)\1)");
  if (dsn.empty()) {
    std::puts("[error] The required bootstrap level for this command could not be reached.");
    return 0;  // as bee: always 0
  }
  SqlSession db(parse_dsn(dsn));
  auto table = [&](const char* name) { return quote_name(prefix + name); };
  auto drop_bootstrap = [&] {
    db.run(fmt::format("DELETE FROM {} WHERE cid IN ('system_list', 'bootstrap_modules')", table("cache_bootstrap")));
  };
  if (command == "maintenance-mode" || command == "mm") {
    std::string value = argument == "1" || argument == "true" || argument == "TRUE" ? "b:1;" : "b:0;";
    db.run(fmt::format("REPLACE INTO {} (name, value) VALUES ('maintenance_mode', {})", table("state"),
                       quote_text(value)));
    db.run(fmt::format("DELETE FROM {} WHERE cid = 'states'", table("cache")));
  } else if (command == "disable" || command == "dis" || command == "enable" || command == "en") {
    bool on = command == "enable" || command == "en";
    db.run(fmt::format("UPDATE {} SET status = {} WHERE name = {}", table("system"), on ? 1 : 0, quote_text(argument)));
    drop_bootstrap();
  } else if (command == "cache-clear" || command == "cc") {
    for (const char* cache : {"cache", "cache_bootstrap", "cache_page", "cache_views"}) {
      db.run(fmt::format("DELETE FROM {}", table(cache)));
    }
  } else {
    std::printf("[error] There is no %s command.\n", command.c_str());
    return 0;
  }
  std::printf("[success] %s %s\n", command.c_str(), argument.c_str());
  return 0;
}

}  // namespace

int standin_bee_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return run(args);
  } catch (const std::exception& e) {
    std::printf("[error] %s\n", e.what());
    return 0;
  }
}

}  // namespace civiup::testbed
