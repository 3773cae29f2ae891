// generate_site(): files, then the Backdrop database, then the CiviCRM one (and
// its logging database).
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "testbed/site_parts.hpp"

namespace civiup::testbed {
namespace {

std::string random_config_hash() {
  // Backdrop's installer names the config directory config_<random hash>.
  std::random_device random;
  std::string hash;
  for (int i = 0; i < 4; ++i) hash += fmt::format("{:08x}", random());
  return hash;
}

void recreate_database(SqlSession& session, const std::string& name) {
  session.run("DROP DATABASE IF EXISTS " + quote_name(name));
  session.run("CREATE DATABASE " + quote_name(name) + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci");
}

// The site's own account, as the installer or a hosting panel makes it: ALL on
// each of its databases, nothing global.  '%': the test server skips name
// resolution, so a 'localhost' account would not match a TCP connection.
void create_site_account(SqlSession& admin, const DatabaseServer& account, const SiteSpec& spec) {
  const std::string name = quote_text(account.user) + "@'%'";
  admin.run("CREATE OR REPLACE USER " + name + " IDENTIFIED BY " + quote_text(account.password));
  admin.run("GRANT ALL ON " + quote_name(spec.backdrop_db) + ".* TO " + name);
  if (spec.civicrm_db != spec.backdrop_db) admin.run("GRANT ALL ON " + quote_name(spec.civicrm_db) + ".* TO " + name);
  // CiviCRM's installer gives the site's account its logging database too.
  if (!spec.logging_db.empty() && spec.logging_db != spec.civicrm_db && spec.logging_db != spec.backdrop_db)
    admin.run("GRANT ALL ON " + quote_name(spec.logging_db) + ".* TO " + name);
}

}  // namespace

DatabaseServer site_account(const DatabaseServer& server, const SiteSpec& spec) {
  DatabaseServer account = server;
  if (spec.privileged_db_user) return account;
  account.user = spec.db_user.empty() ? spec.backdrop_db : spec.db_user;
  account.password = spec.db_password;
  return account;
}

std::vector<SiteModule> site_modules(const SiteSpec& spec) {
  std::vector<SiteModule> modules;
  for (const char* name : {"system", "user", "node", "field", "filter", "views", "layout", "config"}) {
    SiteModule module{name, fmt::format("core/modules/{0}/{0}.module", name), {}, true, false, false, true};
    modules.push_back(module);
  }
  modules.push_back({"civicrm", "modules/civicrm/backdrop/civicrm.module", {}, true, false, true, false});
  // The release's own integration modules (the real test site has civicrmtheme on).
  for (const std::string& name : spec.release.bundled_modules) {
    modules.push_back({name,
                       fmt::format("modules/civicrm/backdrop/modules/{0}/{0}.module", name),
                       {"civicrm"},
                       true,
                       true,
                       true,
                       false});
  }
  // Contrib: one integration module depending on civicrm directly, one only
  // through it (in a subdirectory: Backdrop scans modules/ recursively), one
  // disabled integration module, and unrelated modules.
  modules.push_back({"civicrm_entity",
                     "modules/civicrm_entity/civicrm_entity.module",
                     {"civicrm", "entity_plus"},
                     true,
                     true,
                     false,
                     false});
  modules.push_back({"civicrm_entity_reports",
                     "modules/custom/civicrm_entity_reports/civicrm_entity_reports.module",
                     {"civicrm_entity"},
                     true,
                     true,
                     false,
                     false});
  modules.push_back({"civicrm_group_roles",
                     "modules/civicrm_group_roles/civicrm_group_roles.module",
                     {"civicrm"},
                     false,
                     true,
                     false,
                     false});
  modules.push_back({"entity_plus", "modules/entity_plus/entity_plus.module", {}, true, false, false, false});
  modules.push_back({"webform", "modules/webform/webform.module", {"node"}, true, false, false, false});
  modules.push_back({"devel", "modules/devel/devel.module", {}, false, false, false, false});
  return modules;
}

Site generate_site(const fs::path& root, const DatabaseServer& server, const SiteSpec& spec) {
  if (spec.backdrop_db.empty() || spec.civicrm_db.empty()) {
    throw std::runtime_error("generate_site: backdrop_db and civicrm_db must be given");
  }
  if (fs::exists(root) && !fs::is_empty(root)) {
    throw std::runtime_error(fmt::format("generate_site: {} exists and is not empty", root.string()));
  }
  const fs::path absolute_root = fs::absolute(root).lexically_normal();
  fs::create_directories(absolute_root);
  const std::string config_hash = random_config_hash();
  const DatabaseServer account = site_account(server, spec);
  write_site_files(absolute_root, account, spec, config_hash);

  SqlSession admin(server, "");
  recreate_database(admin, spec.backdrop_db);
  if (spec.civicrm_db != spec.backdrop_db) recreate_database(admin, spec.civicrm_db);
  const bool own_logging_db =
      !spec.logging_db.empty() && spec.logging_db != spec.civicrm_db && spec.logging_db != spec.backdrop_db;
  if (own_logging_db) recreate_database(admin, spec.logging_db);
  if (!spec.privileged_db_user) create_site_account(admin, account, spec);
  SqlSession backdrop(server, spec.backdrop_db);
  create_backdrop_tables(backdrop, spec);
  SqlSession civicrm(server, spec.civicrm_db);
  create_civicrm_tables(civicrm, server, account, spec);
  if (!spec.logging_db.empty() && spec.logging_db != spec.civicrm_db) {
    SqlSession owner(account, spec.civicrm_db);  // the logging triggers are the site account's, as on a real site
    move_logging_tables(civicrm, owner, spec.logging_db);
  }

  Site site;
  site.root = absolute_root;
  site.config_dir = absolute_root / "files" / fmt::format("config_{}", config_hash) / "active";
  site.backdrop_db = spec.backdrop_db;
  site.civicrm_db = spec.civicrm_db;
  site.logging_db = spec.logging_db;
  site.config_in_database = spec.config_in_database;
  site.table_prefix = spec.table_prefix;
  site.account = account;
  for (const SiteModule& module : site_modules(spec)) {
    if (module.enabled && module.depends_on_civicrm) site.integration_modules.push_back(module.name);
  }
  return site;
}

}  // namespace civiup::testbed
