#include "testbed/standin_bee.hpp"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "support/text.hpp"
#include "testbed/sql_session.hpp"

namespace civiup::testbed {
namespace {

std::string first_match(const std::string& text, const std::string& pattern) {
  std::smatch match;
  return std::regex_search(text, match, std::regex(pattern)) ? std::string(match[2]) : std::string();
}

// Whether the site is in maintenance mode (false when that cannot be read).
bool maintenance_on(const std::string& root) {
  try {
    std::string dsn = first_match(test::read_file_if_present(root + "/civicrm.settings.php"),
                                  R"(define\s*\(\s*['"]CIVICRM_UF_DSN['"]\s*,\s*(['"])(.*?)\1)");
    std::string prefix =
        first_match(test::read_file_if_present(root + "/settings.php"), R"(\$database_prefix\s*=\s*(['"])(.*?)\1)");
    if (dsn.empty()) return false;
    SqlSession db(parse_dsn(dsn));
    return db.value(fmt::format("SELECT COUNT(*) FROM {} WHERE name = 'maintenance_mode' AND value = 'b:1;'",
                                quote_name(prefix + "state"))) != "0";
  } catch (const std::exception&) {
    return false;
  }
}

// CIVIUP_STANDIN_BEE_LOG: one line per call; " (in the window)" when it
// starts with maintenance mode on or turns it on (scripts/bench counts those).
void log_call(const std::string& root, const std::vector<std::string>& words) {
  const char* log = std::getenv("CIVIUP_STANDIN_BEE_LOG");
  if (log == nullptr) return;
  bool opens_window = words.size() >= 2 && (words[0] == "maintenance-mode" || words[0] == "mm") && words[1] == "1";
  bool in_window = opens_window || maintenance_on(root);
  std::ofstream(log, std::ios::app) << fmt::format("{}{}\n", fmt::join(words, " "),
                                                   in_window ? " (in the window)" : "");
}

// CIVIUP_STANDIN_BEE_BOOT_SECONDS: what one Backdrop bootstrap costs (1.5-2 s on a real site).
void boot_cost() {
  const char* seconds = std::getenv("CIVIUP_STANDIN_BEE_BOOT_SECONDS");
  if (seconds == nullptr || *seconds == '\0') return;
  std::this_thread::sleep_for(std::chrono::duration<double>(std::atof(seconds)));
}

// As bee's script_bee_callback (commands/php.bee.inc): in the root, Backdrop
// bootstrapped in full, then the file include()d inside a function; a
// missing file is silently nothing.  php replaces this process, so the
// script's stdin, stdout and exit status are bee's.
int php_script(const std::string& root, const std::string& file) {
  if (::chdir(root.c_str()) != 0) {
    std::printf("[error] %s: cannot change into it\n", root.c_str());
    return 0;
  }
  static const char* code =
      "define('BACKDROP_ROOT', getcwd());"
      "require_once BACKDROP_ROOT . '/core/includes/bootstrap.inc';"
      "backdrop_bootstrap(BACKDROP_BOOTSTRAP_FULL);"
      "(function ($file) { if (!file_exists($file)) { return; } include $file; })($argv[1]);";
  std::vector<const char*> argv = {"php", "-r", code, "--", file.c_str(), nullptr};
  std::fflush(stdout);
  ::execvp("php", const_cast<char* const*>(argv.data()));
  std::printf("[error] php: %s\n", std::strerror(errno));
  return 0;
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
  log_call(root, words);
  if (words.empty()) {
    std::puts("usage: bee [--root=DIR] COMMAND");
    return 0;
  }
  const std::string& command = words[0];
  const std::string argument = words.size() > 1 ? words[1] : "";
  // bee's php-script: the file runs inside a Backdrop bootstrapped by the
  // site's core/includes/bootstrap.inc, which costs the boot knob's seconds.
  if (command == "php-script" || command == "scr") return php_script(root, argument);
  boot_cost();
  const char* lie = std::getenv("CIVIUP_STANDIN_BEE_LIE");
  if (lie != nullptr && command == lie) {
    std::printf("[success] %s %s\n", command.c_str(), argument.c_str());
    return 0;
  }
  std::string dsn = first_match(test::read_file_if_present(root + "/civicrm.settings.php"),
                                R"(define\s*\(\s*['"]CIVICRM_UF_DSN['"]\s*,\s*(['"])(.*?)\1)");
  std::string prefix =
      first_match(test::read_file_if_present(root + "/settings.php"), R"(\$database_prefix\s*=\s*(['"])(.*?)\1)");
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
