#include "civiup/backdrop/upgrader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include "civiup/base/error.hpp"
#include "civiup/base/unique_fd.hpp"
#include "civiup/system/child_process.hpp"

namespace civiup {
namespace fs = std::filesystem;

nlohmann::json Upgrader::to_json() const {
  return {{"kind", kind.empty() ? nlohmann::json() : nlohmann::json(kind)}, {"command", argv}, {"reason", reason}};
}

Upgrader choose_upgrader(const std::string& db_upgrade, const std::vector<std::string>& bee, const fs::path& root,
                         const fs::path& runner_file) {
  Upgrader upgrader;
  if (!db_upgrade.empty()) {
    ParsedCommandLine parsed = with_context("--db-upgrade", [&] { return split_command_line(db_upgrade); });
    if (parsed.argv.empty()) fail("--db-upgrade: empty command");
    upgrader.kind = "command";
    upgrader.argv = parsed.argv;
    upgrader.env = parsed.env;
    upgrader.reason = "given with --db-upgrade";
    return upgrader;
  }
  // cv is CiviCRM's own maintained command line: when the administrator has it, it is the reference.
  if (find_on_path("cv")) {
    upgrader.kind = "cv";
    upgrader.argv = {"cv", "upgrade:db", "--no-interaction"};
    upgrader.reason = "cv is on PATH";
    return upgrader;
  }
  if (find_on_path("drush")) {
    upgrader.kind = "drush";
    upgrader.argv = {"drush", "-y", "civicrm-upgrade-db"};
    upgrader.reason = "drush is on PATH (cv is not)";
    return upgrader;
  }
  upgrader.runner_file = runner_file;
  if (!bee.empty()) {
    upgrader.kind = "runner-bee";
    upgrader.argv = bee;
    upgrader.argv.push_back("--root=" + root.string());
    upgrader.argv.push_back("php-script");
    upgrader.argv.push_back(runner_file.string());
    upgrader.reason = "neither cv nor drush is on PATH: civiup's own runner, in Backdrop as bee bootstraps it";
    return upgrader;
  }
  if (find_on_path("php")) {
    upgrader.kind = "runner-php";
    upgrader.argv = {"php", runner_file.string()};
    upgrader.reason =
        "neither cv nor drush is on PATH and bee is not used: civiup's own runner on php, "
        "bootstrapping Backdrop itself";
    return upgrader;
  }
  upgrader.runner_file.clear();
  upgrader.reason = "neither cv, drush nor php is on PATH";
  return upgrader;
}

void write_php_program(const fs::path& path, std::string_view text) {
  fs::create_directories(path.parent_path());
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) fail_errno(fmt::format("creating {}", path.string()));
  size_t written = 0;
  while (written < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + written, text.size() - written);
    if (n < 0) fail_errno(fmt::format("writing {}", path.string()));
    written += static_cast<size_t>(n);
  }
  if (int error = fd.close(); error != 0) fail_errno(fmt::format("writing {}", path.string()), error);
}

}  // namespace civiup
