// Writes the seed corpora of the fuzz targets into DIR/<target>/, from the
// real formats: the settings files and releases the tests generate, and a
// journal written by encode_journal.  scripts/fuzz runs it before fuzzing.
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "civiup/base/durable_file.hpp"
#include "civiup/transaction/journal.hpp"
#include "release/tarball_writer.hpp"
#include "site/site_files.hpp"

namespace {
namespace fs = std::filesystem;
using namespace civiup;

void put(const fs::path& dir, const std::string& name, const std::string& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

std::string tar_of(const fs::path& scratch, const std::vector<test::TarItem>& items, test::Compression compression) {
  fs::path file = scratch / "seed.tar";
  test::write_tarball(file, items, compression);
  std::string bytes = read_file(file);
  fs::remove(file);
  return bytes;
}

void settings_seeds(const fs::path& out) {
  const std::vector<std::string> database_lines = {
      "$database = 'mysql://backdrop:secret@db.example:3307/backdrop';",
      "$database = 'mysql://u%40x:p%3Aw%2Fd@127.0.0.1/db?new_link=true';",
      "$database = 'mysql://user:pass@unix(/run/mysqld/mysqld.sock)/bd';",
      "$database = 'mysql://user:pass@[::1]:3306/bd';\n$database_prefix = 'bd_';",
      "$databases['default']['default'] = array(\n  'driver' => 'mysql',\n  'database' => 'bd',\n"
      "  'username' => 'u',\n  'password' => 'p\\'w\"$x',\n  'host' => 'localhost',\n  'port' => '3306',\n"
      "  'prefix' => array('default' => 'bd_'),\n);",
      "$databases = [\"default\" => [\"default\" => [\"database\" => \"bd\", \"username\" => \"u\", "
      "\"password\" => getenv('PW'), \"host\" => \"h\"]]];",
      "$database = 'mysql://u:p@h/bd';\n$config['system.core']['site_frontpage'] = 'civicrm/dashboard';\n"
      "$settings['file_public_path'] = 'sites/files';",
  };
  for (size_t i = 0; i < database_lines.size(); ++i) {
    put(out / "fuzz_backdrop_settings", fmt::format("settings-{}.php", i), test::backdrop_settings(database_lines[i]));
  }
  const std::vector<std::pair<std::string, std::string>> dsns = {
      {"mysql://civi:civipass@db.example:3307/civicrm?new_link=true",
       "mysql://backdrop:secret@db.example:3307/backdrop?new_link=true"},
      {"mysql://c%40x:p%25w@127.0.0.1/civicrm", "mysqli://b:s@localhost/backdrop"},
      {"mysql://civi:pw@unix(/tmp/m.sock)/civicrm", "mysql://b:s@[fe80::1]:3306/bd"},
  };
  // Regressions: quoted fragments of the file spanning lines in an error.
  put(out / "fuzz_backdrop_settings", "regression-multiline.php",
      "<?php\n$database = 'mysql://u:p@h/db';\n$database_prefix = 'x' . ;\n// x\n");
  put(out / "fuzz_civicrm_settings", "regression-multiline-driver.php",
      "<?php\ndefine('CIVICRM_DSN', 'my\nsql://u:p@h/db');\n");
  for (size_t i = 0; i < dsns.size(); ++i) {
    put(out / "fuzz_civicrm_settings", fmt::format("civicrm-settings-{}.php", i),
        test::civicrm_settings(dsns[i].first, dsns[i].second));
  }
  // CiviCRM's template: a run-time test DSN branch before the real one.
  put(out / "fuzz_civicrm_settings", "template.php",
      "<?php\nif (!defined('CIVICRM_DSN')) {\n  if (CIVICRM_UF === 'UnitTests' && "
      "isset($GLOBALS['_CV']['TEST_DB_DSN'])) {\n"
      "    define('CIVICRM_DSN', $GLOBALS['_CV']['TEST_DB_DSN']);\n  }\n  else {\n"
      "    define('CIVICRM_DSN', 'mysql://u:p@h/civicrm?new_link=true');\n  }\n}\n"
      "define(\"CIVICRM_UF_DSN\", \"mysql://u:p@h/bd\");\n$civicrm_root = dirname(__FILE__) . '/modules/civicrm';\n"
      "define('CIVICRM_TEMPLATE_COMPILEDIR', __DIR__ . '/files/civicrm/templates_c/');\n/* comment */ // comment\n# "
      "comment\n");
}

void version_seeds(const fs::path& out) {
  for (const char* version : {"5.75.0", "5.76.alpha1", "5.75.beta2", "5.80.rc3", "5.74.0.upgrade", "6.0.0", "5.7"}) {
    put(out / "fuzz_version", version, version);
  }
  put(out / "fuzz_version", "files-5.75.0", test::version_php("5.75.0") + '\0' + test::version_xml("5.75.0"));
  // Regressions: errors quoting multi-line text broke the one-line rule.
  put(out / "fuzz_version", "regression-multiline", "5.\n75.0");
  put(out / "fuzz_version", "files-multiline-cms",
      test::version_php("5.75.0", "Dru\npal") + '\0' + test::version_xml("5.75.0"));
  put(out / "fuzz_version", "files-drupal", test::version_php("5.75.0", "Drupal") + '\0' + test::version_xml("5.75.0"));
}

void journal_seeds(const fs::path& out) {
  JournalRecord record;
  record.transaction = "upgrade";
  record.id = "20261126-101500-1a2b";
  record.started_at = "2026-11-26T10:15:00Z";
  record.pid = 4242;
  record.child_pids = {4250};
  record.outcome = JournalOutcome::kRollingBack;
  record.error = "upgrade-database: the stand-in failed";
  record.commit_phase = "verify";
  record.context = {{"from_version", "5.74.0"}, {"to_version", "5.75.0"}, {"child_pgid", 4250}};
  record.phases = {{"preflight", PhaseState::kDone, nullptr, 0.5},
                   {"maintenance-on", PhaseState::kDone, {{"previous", "b:0;"}}, 0.01},
                   {"swap-code", PhaseState::kUndoing, {{"staged", "/x/staging/civicrm"}}, 0.0}};
  std::string text = encode_journal(record);
  std::string body = text.substr(text.find('\n') + 1);
  body.pop_back();
  put(out / "fuzz_journal", "body", std::string(1, '\0') + body);
  put(out / "fuzz_journal", "file", std::string(1, '\1') + text);
  // Regressions: a float pid was undefined behaviour (nlohmann get<int>).
  std::string float_pid = body;
  float_pid.replace(float_pid.find("\"pid\": 4242"), 11, "\"pid\": 1e300");
  put(out / "fuzz_journal", "regression-float-pid", std::string(1, '\0') + float_pid);
  record.outcome = JournalOutcome::kCommitted;
  record.phases.clear();
  text = encode_journal(record);
  put(out / "fuzz_journal", "file-committed", std::string(1, '\1') + text);
}

void tarball_seeds(const fs::path& out) {
  fs::path dir = out / "fuzz_release_tarball";
  fs::create_directories(dir);
  auto release = test::backdrop_release("5.75.0");
  put(dir, "release.tar", std::string(1, '\0') + tar_of(dir, release, test::Compression::kNone));
  put(dir, "release.tar.gz", std::string(1, '\1') + tar_of(dir, release, test::Compression::kGzip));
  put(dir, "l10n.tar", std::string(1, '\2') + tar_of(dir, test::l10n_tarball(), test::Compression::kNone));
  auto linked = release;
  linked.push_back(test::symlink("civicrm/CRM/up", "../packages"));
  linked.push_back(test::symlink("civicrm/a", "CRM/up/README"));
  linked.push_back(test::hardlink("civicrm/h", "civicrm/CRM/Core/Config.php"));
  put(dir, "links.tar", std::string(1, '\0') + tar_of(dir, linked, test::Compression::kNone));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds DIR\n");
    return 2;
  }
  fs::path out = argv[1];
  settings_seeds(out);
  version_seeds(out);
  journal_seeds(out);
  tarball_seeds(out);
  return 0;
}
