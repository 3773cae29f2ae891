#pragma once
// The Backdrop state civiup changes around an upgrade (DESIGN.md §3 "Backdrop
// facts"), done directly in SQL:
//   maintenance mode  row `maintenance_mode` of table `state`, PHP-serialized
//                     (b:1; / b:0;); after a write, cache row `states` goes and
//                     cache_page is flushed (cached pages are served before the check)
//   modules           table `system` (status 1/0); after a change cache_bootstrap's
//                     `system_list` and `bootstrap_modules` go
//   caches            cache_views (also CiviCRM's Views data), cache_page,
//                     cache_layout_path, and the bootstrap rows above
// Undo data is the raw stored value, so a rollback puts back exactly the bytes
// that were there (or no row, when there was none).
#include <optional>
#include <set>
#include <string>

#include "civiup/site/database_session.hpp"

namespace civiup {

class BackdropDatabase {
 public:
  // `session` is connected to the Backdrop database; `prefix` is its table prefix.
  BackdropDatabase(DatabaseSession& session, std::string prefix) : session_(session), prefix_(std::move(prefix)) {}

  // The raw value of a `state` row, nullopt when the row does not exist.
  std::optional<std::string> state_value(const std::string& name);
  // Writes (or, with nullopt, deletes) a `state` row and drops the cached states.
  void set_state_value(const std::string& name, const std::optional<std::string>& value);

  bool maintenance_mode();
  void set_maintenance_mode(bool on);

  std::set<std::string> enabled_modules();
  // The raw `status` of a module's `system` row, nullopt when it has none.
  std::optional<std::string> module_status(const std::string& name);
  void set_module_status(const std::string& name, const std::string& status);

  // Flushes the caches the manual procedure clears after an upgrade.
  void clear_caches();

  std::string table(std::string_view name) const { return "`" + prefix_ + std::string(name) + "`"; }

 private:
  void forget_bootstrap_cache();
  DatabaseSession& session_;
  std::string prefix_;
};

// PHP's serialize() of a boolean, and the reverse for what Backdrop stores for
// maintenance_mode (b:1;, b:0;, i:1;, s:1:"1"; ...): truthiness as PHP sees it.
std::string php_serialize_bool(bool value);
bool php_unserialize_truthy(std::string_view serialized);

}  // namespace civiup
