#include "generated_site.hpp"

#include <stdexcept>

#include <fmt/format.h>

namespace civiup::test {

testbed::DatabaseServer testbed_server() { return testbed::DatabaseServer::from_environment(); }

GeneratedSite::GeneratedSite(testbed::SiteSpec spec, bool shared_database) : spec_(std::move(spec)) {
  spec_.backdrop_db = backdrop_db_.name();
  spec_.civicrm_db = shared_database ? backdrop_db_.name() : civicrm_db_.name();
  site_ = testbed::generate_site(dir_ / "site", testbed_server(), spec_);
}

std::vector<std::string> GeneratedSite::civicrm(const std::string& query) const {
  auto connection = connect(site_.civicrm_db);
  return query_column(*connection, query);
}

std::vector<std::string> GeneratedSite::backdrop(const std::string& query) const {
  auto connection = connect(site_.backdrop_db);
  return query_column(*connection, query);
}

std::string GeneratedSite::civicrm_value(const std::string& query) const {
  auto values = civicrm(query);
  if (values.size() != 1) throw std::runtime_error(fmt::format("{} rows from: {}", values.size(), query));
  return values[0];
}

std::string testbed_binary() { return CIVIUP_TESTBED_BINARY; }

}  // namespace civiup::test
