// Backdrop's tables: shaped as Backdrop 1.x creates them (system_schema()),
// holding the rows civiup reads and writes.
#include <fmt/format.h>

#include "testbed/site_parts.hpp"

namespace civiup::testbed {
namespace {

// PHP's serialize() of strings, string lists and flat maps.
std::string php_string(const std::string& text) { return fmt::format("s:{}:\"{}\";", text.size(), text); }

std::string php_list(const std::vector<std::string>& items) {
  std::string out = fmt::format("a:{}:{{", items.size());
  for (size_t i = 0; i < items.size(); ++i) out += fmt::format("i:{};{}", i, php_string(items[i]));
  return out + "}";
}

std::string module_info(const SiteModule& module) {
  // The parsed .info, as Backdrop stores it in system.info.
  return fmt::format("a:6:{{{}{}{}{}{}{}}}", php_string("name") + php_string(module.name),
                     php_string("description") + php_string(module.name + " for the civiup test site."),
                     php_string("package") + php_string(module.core                          ? "Core"
                                                        : module.name.starts_with("civicrm") ? "CiviCRM"
                                                                                             : "Contrib"),
                     php_string("backdrop") + php_string("1.x"), php_string("type") + php_string("module"),
                     php_string("dependencies") + php_list(module.dependencies));
}

std::string cache_table(const std::string& name) {
  return fmt::format(
      "CREATE TABLE {} ("
      " cid VARCHAR(255) NOT NULL DEFAULT '',"
      " data LONGBLOB,"
      " expire INT NOT NULL DEFAULT 0,"
      " created DECIMAL(14,3) NOT NULL DEFAULT 0.000,"
      " serialized SMALLINT NOT NULL DEFAULT 0,"
      " PRIMARY KEY (cid), KEY expire (expire)"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
      quote_name(name));
}

}  // namespace

void create_backdrop_tables(SqlSession& session, const SiteSpec& spec) {
  const std::string& p = spec.table_prefix;
  auto t = [&p](const std::string& table) { return quote_name(p + table); };
  auto cache_row = [&](const std::string& table, const std::string& cid, const std::string& data) {
    session.run(
        fmt::format("INSERT INTO {} (cid, data, expire, created, serialized) VALUES ({}, {}, 0, 1714000000.125, 1)",
                    t(table), quote_text(cid), quote_text(data)));
  };

  session.run(
      fmt::format("CREATE TABLE {} (name VARCHAR(255) NOT NULL DEFAULT '', value LONGBLOB NOT NULL, PRIMARY KEY (name))"
                  " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
                  t("state")));
  if (spec.config_in_database) {
    // ConfigDatabaseStorage's schema (core/includes/config.inc): the table
    // active_config of the 'default' connection, prefixed like any other.
    session.run(
        fmt::format("CREATE TABLE {} (name VARCHAR(255) NOT NULL, data LONGTEXT NOT NULL, ctime INT NOT NULL DEFAULT 0,"
                    " PRIMARY KEY (name)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
                    t("active_config")));
    for (const auto& [name, json] : active_config_objects(spec)) {
      session.run(fmt::format("INSERT INTO {} (name, data, ctime) VALUES ({}, {}, 1714000000)", t("active_config"),
                              quote_text(name), quote_text(json)));
    }
  }
  // maintenance_mode is PHP-serialized: b:0; off, b:1; on.
  session.run(
      fmt::format("INSERT INTO {} (name, value) VALUES ('maintenance_mode', 'b:0;'), ('install_time', 'i:1714000000;'),"
                  " ('cron_last', 'i:1714003600;'), ('css_js_query_string', 's:6:\"sb3k2q\";'),"
                  " ('menu_rebuild_needed', 'b:0;')",
                  t("state")));

  session.run(fmt::format(
      "CREATE TABLE {} ("
      " filename VARCHAR(255) NOT NULL DEFAULT '', name VARCHAR(255) NOT NULL DEFAULT '',"
      " type VARCHAR(12) NOT NULL DEFAULT '', owner VARCHAR(255) NOT NULL DEFAULT '',"
      " status INT NOT NULL DEFAULT 0, bootstrap INT NOT NULL DEFAULT 0,"
      " schema_version SMALLINT NOT NULL DEFAULT -1, weight INT NOT NULL DEFAULT 0, info BLOB,"
      " PRIMARY KEY (filename), KEY system_list (status, bootstrap, type, weight, name), KEY type_name (type, name)"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
      t("system")));
  for (const SiteModule& module : site_modules(spec)) {
    int weight = module.name == "civicrm" ? 100 : module.depends_on_civicrm ? 110 : 0;
    session.run(fmt::format("INSERT INTO {} VALUES ({}, {}, 'module', '', {}, {}, {}, {}, {})", t("system"),
                            quote_text(module.filename), quote_text(module.name), module.enabled ? 1 : 0,
                            module.name == "system" ? 1 : 0, module.enabled ? 1000 : -1, weight,
                            quote_text(module_info(module))));
  }
  session.run(fmt::format(
      "INSERT INTO {} VALUES ('core/themes/basis/basis.info', 'basis', 'theme', "
      "'core/engines/phptemplate/phptemplate.engine',"
      " 1, 0, -1, 0, 'a:1:{{s:4:\"name\";s:5:\"Basis\";}}'),"
      " ('core/themes/seven/seven.info', 'seven', 'theme', 'core/engines/phptemplate/phptemplate.engine', 1, 0, -1, 0,"
      " 'a:1:{{s:4:\"name\";s:5:\"Seven\";}}')",
      t("system")));

  for (const char* table : {"cache", "cache_bootstrap", "cache_page", "cache_views", "cache_layout_path",
                            "cache_config", "cache_menu", "cache_field"}) {
    session.run(cache_table(p + table));
  }
  std::vector<std::string> enabled;
  for (const SiteModule& module : site_modules(spec)) {
    if (module.enabled) enabled.push_back(module.name);
  }
  cache_row("cache", "states", "a:2:{s:16:\"maintenance_mode\";b:0;s:12:\"install_time\";i:1714000000;}");
  cache_row("cache", "schema:runtime:1", "a:0:{}");
  cache_row("cache_bootstrap", "system_list", "a:1:{s:14:\"module_enabled\";" + php_list(enabled) + "}");
  cache_row("cache_bootstrap", "bootstrap_modules", php_list({"system"}));
  cache_row("cache_bootstrap", "module_implements", "a:0:{}");
  cache_row("cache_page", "http://localhost/", "<html><body>front page</body></html>");
  cache_row("cache_page", "http://localhost/civicrm/event/info?id=1", "<html><body>event</body></html>");
  cache_row("cache_views", "views_data:en", "a:1:{s:15:\"civicrm_contact\";a:0:{}}");
  cache_row("cache_views", "views_data:civicrm_contact:en", "a:0:{}");
  cache_row("cache_layout_path", "civicrm", "a:0:{}");
  cache_row("cache_layout_path", "node/%", "a:0:{}");
  cache_row("cache_config", "system.core", "a:0:{}");

  session.run(fmt::format(
      "CREATE TABLE {} (uid INT UNSIGNED NOT NULL DEFAULT 0, name VARCHAR(60) NOT NULL DEFAULT '',"
      " pass VARCHAR(128) NOT NULL DEFAULT '', mail VARCHAR(254) DEFAULT '', status TINYINT NOT NULL DEFAULT 0,"
      " created INT NOT NULL DEFAULT 0, PRIMARY KEY (uid), UNIQUE KEY name (name))"
      " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
      t("users")));
  session.run(fmt::format(
      "INSERT INTO {} VALUES (0, '', '', '', 0, 0), (1, 'admin', '$S$Dabc', 'admin@example.org', 1, 1714000000)",
      t("users")));
  session.run(
      fmt::format("CREATE TABLE {} (nid INT UNSIGNED NOT NULL AUTO_INCREMENT, type VARCHAR(32) NOT NULL DEFAULT '',"
                  " title VARCHAR(255) NOT NULL DEFAULT '', uid INT NOT NULL DEFAULT 0, status INT NOT NULL DEFAULT 1,"
                  " created INT NOT NULL DEFAULT 0, PRIMARY KEY (nid), KEY node_type (type))"
                  " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
                  t("node")));
  session.run(
      fmt::format("INSERT INTO {} (type, title, uid, created) VALUES ('page', 'About us', 1, 1714000000),"
                  " ('post', 'Annual meeting \xF0\x9F\x8E\x89', 1, 1714000100)",
                  t("node")));
}

}  // namespace civiup::testbed
