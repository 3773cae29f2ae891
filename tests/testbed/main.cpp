// civiup-testbed: the test bed's command line (docs/testbed.md).
//   release     write a release tarball (or tree) for any version
//   site        generate a Backdrop + CiviCRM site and its databases
//   upgrade-db  the stand-in `cv upgrade:db` (knobs: see standin_upgrade.hpp)
//   write-load  site traffic for the under-load tests (site_writer.hpp)
//   week-of-work  a week of use of an upgraded site (week_of_work.hpp)
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <cxxopts.hpp>

#include "testbed/site_writer.hpp"
#include "testbed/standin_bee.hpp"
#include "testbed/standin_upgrade.hpp"
#include "testbed/testbed.hpp"
#include "testbed/week_of_work.hpp"

namespace {

using civiup::testbed::ReleaseSpec;

int release_command(int argc, char** argv) {
  cxxopts::Options options("civiup-testbed release", "Write civicrm-X.Y.Z-backdrop.tar.gz (or its tree)");
  options.add_options()("out", "directory to write into", cxxopts::value<std::string>())(
      "version", "CiviCRM version X.Y.Z", cxxopts::value<std::string>())(
      "files", "about this many files", cxxopts::value<size_t>())("mb", "about this many MB unpacked",
                                                                  cxxopts::value<double>())(
      "scale", "'release': a real release's scale (~16,300 files, ~165 MB)", cxxopts::value<std::string>())(
      "cms", "Backdrop (default), Drupal or WordPress", cxxopts::value<std::string>()->default_value("Backdrop"))(
      "seed", "content seed", cxxopts::value<uint32_t>()->default_value("1"))(
      "unpacked", "write the tree OUT/civicrm instead of a tarball")("h,help", "this help");
  auto args = options.parse(argc, argv);
  if (args.count("help") != 0) {
    fmt::print("{}", options.help());
    return 0;
  }
  if (args.count("out") == 0 || args.count("version") == 0)
    throw std::runtime_error("release: --out and --version are required");
  const std::string version = args["version"].as<std::string>();
  ReleaseSpec spec;
  if (args.count("scale") != 0) {
    if (args["scale"].as<std::string>() != "release") throw std::runtime_error("release: --scale takes 'release'");
    spec = ReleaseSpec::release_scale(version);
  }
  spec.version = version;
  if (args.count("files") != 0) spec.file_count = args["files"].as<size_t>();
  if (args.count("mb") != 0) spec.total_bytes = static_cast<uint64_t>(args["mb"].as<double>() * 1e6);
  spec.cms = args["cms"].as<std::string>();
  spec.seed = args["seed"].as<uint32_t>();
  const std::string out = args["out"].as<std::string>();
  if (args.count("unpacked") != 0) {
    civiup::testbed::write_release_tree(out, spec);
    fmt::print("{}\n", (civiup::testbed::fs::path(out) / "civicrm").string());
  } else {
    fmt::print("{}\n", civiup::testbed::write_release_tarball(out, spec).string());
  }
  return 0;
}

int site_command(int argc, char** argv) {
  cxxopts::Options options("civiup-testbed site",
                           "Generate a Backdrop + CiviCRM site and its databases on the server of CIVIUP_TEST_MYSQL_*");
  options.add_options()("root", "site root to create (must not exist or be empty)", cxxopts::value<std::string>())(
      "version", "installed CiviCRM version (code and civicrm_domain.version)",
      cxxopts::value<std::string>()->default_value("5.74.0"))(
      "backdrop-db", "Backdrop database name (dropped and recreated)", cxxopts::value<std::string>())(
      "civicrm-db", "CiviCRM database name (default: BACKDROP_DB_civicrm; the Backdrop one => one shared database)",
      cxxopts::value<std::string>())(
      "logging-db",
      "CIVICRM_LOGGING_DSN: detailed logging's log_civicrm_* tables in this database (dropped and "
      "recreated), written by triggers in the CiviCRM one",
      cxxopts::value<std::string>())(
      "config-in-db", "Backdrop 1.28+ config in the database (config_active_class = ConfigDatabaseStorage)")(
      "prefix", "Backdrop table prefix", cxxopts::value<std::string>()->default_value(""))(
      "databases-array", "settings.php uses the $databases array instead of the $database DSN")(
      "frontpage", "site_frontpage in system.core.json", cxxopts::value<std::string>()->default_value("node"))(
      "mb", "about this many MB of CiviCRM data", cxxopts::value<double>()->default_value("2"))(
      "big-table-rows",
      "one big table the upgrade never touches (civicrm_financial_trxn) with N rows, "
      "counted in --mb",
      cxxopts::value<uint64_t>()->default_value("0"))("release-files", "about this many files in modules/civicrm",
                                                      cxxopts::value<size_t>())(
      "release-scale", "modules/civicrm at a real release's scale (~16,300 files)")(
      "db-user",
      "the site's own database account (default: the Backdrop database's name), created with "
      "only GRANT ALL ON <db>.* for each of its databases",
      cxxopts::value<std::string>())(
      "privileged-db-user",
      "write the server's own account (CIVIUP_TEST_MYSQL_USER, every privilege) into the "
      "settings instead of a site account")("h,help", "this help");
  auto args = options.parse(argc, argv);
  if (args.count("help") != 0) {
    fmt::print("{}", options.help());
    return 0;
  }
  if (args.count("root") == 0 || args.count("backdrop-db") == 0)
    throw std::runtime_error("site: --root and --backdrop-db are required");
  civiup::testbed::SiteSpec spec;
  spec.version = args["version"].as<std::string>();
  if (args.count("release-scale") != 0) spec.release = ReleaseSpec::release_scale(spec.version);
  if (args.count("release-files") != 0) spec.release.file_count = args["release-files"].as<size_t>();
  spec.backdrop_db = args["backdrop-db"].as<std::string>();
  spec.civicrm_db =
      args.count("civicrm-db") != 0 ? args["civicrm-db"].as<std::string>() : spec.backdrop_db + "_civicrm";
  if (args.count("logging-db") != 0) spec.logging_db = args["logging-db"].as<std::string>();
  spec.config_in_database = args.count("config-in-db") != 0;
  spec.table_prefix = args["prefix"].as<std::string>();
  spec.databases_array_form = args.count("databases-array") != 0;
  spec.site_frontpage = args["frontpage"].as<std::string>();
  spec.civicrm_data_bytes = static_cast<uint64_t>(args["mb"].as<double>() * 1e6);
  spec.big_table_rows = args["big-table-rows"].as<uint64_t>();
  spec.privileged_db_user = args.count("privileged-db-user") != 0;
  if (args.count("db-user") != 0) spec.db_user = args["db-user"].as<std::string>();
  const auto server = civiup::testbed::DatabaseServer::from_environment();
  const auto site = civiup::testbed::generate_site(args["root"].as<std::string>(), server, spec);
  fmt::print("{}\n", site.root.string());
  return 0;
}

int upgrade_db_command(int argc, char** argv) {
  cxxopts::Options options(
      "civiup-testbed upgrade-db",
      "The stand-in `cv upgrade:db`: upgrade the CiviCRM database of the site in the current directory.\n"
      "Knobs: CIVIUP_STANDIN_FAIL_AT, _HANG, _EXIT0_UPGRADE, _DELAY_MS, _LOG (docs/testbed.md)");
  options.add_options()("to", "target version (default: modules/civicrm/civicrm-version.php)",
                        cxxopts::value<std::string>())("root", "site root (default: the current directory, as cv)",
                                                       cxxopts::value<std::string>())(
      "n,no-interaction", "accepted for cv compatibility")("h,help", "this help");
  auto args = options.parse(argc, argv);
  if (args.count("help") != 0) {
    fmt::print("{}", options.help());
    return 0;
  }
  civiup::testbed::StandinUpgradeOptions standin;
  if (args.count("to") != 0) standin.to_version = args["to"].as<std::string>();
  if (args.count("root") != 0) standin.root = args["root"].as<std::string>();
  return civiup::testbed::run_standin_upgrade(standin);
}

struct Subcommand {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

const std::vector<Subcommand> kSubcommands = {
    {"release", release_command, "write a release tarball (or --unpacked tree)"},
    {"site", site_command, "generate a site root and its two databases"},
    {"upgrade-db", upgrade_db_command, "the stand-in `cv upgrade:db` (run in a site root)"},
    {"bee", civiup::testbed::standin_bee_main, "the stand-in bee (--root=DIR COMMAND ARG)"},
    {"write-load", civiup::testbed::write_load_main, "site traffic: small commits to both databases, logged"},
    {"week-of-work", civiup::testbed::week_of_work_main, "a week of use: 50 contacts, 1,000 big-table rows, Backdrop"},
};

void usage(std::FILE* stream) {
  fmt::print(stream, "usage: civiup-testbed SUBCOMMAND [options]   (SUBCOMMAND --help for its options)\n");
  for (const Subcommand& s : kSubcommands) fmt::print(stream, "  {:<13} {}\n", s.name, s.summary);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string name = argv[1];
  for (const Subcommand& s : kSubcommands) {
    if (name != s.name) continue;
    try {
      return s.run(argc - 1, argv + 1);
    } catch (const std::exception& e) {
      fmt::print(stderr, "civiup-testbed {}: error: {}\n", name, e.what());
      return 1;
    }
  }
  fmt::print(stderr, "civiup-testbed: unknown subcommand '{}'\n", name);
  usage(stderr);
  return 2;
}
