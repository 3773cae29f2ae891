#pragma once
// The test bed's PHP files, compiled in from tests/testbed/php/ (CMakeLists.txt):
//   kBootstrapInc        the generated site's core/includes/bootstrap.inc
//   kCiviCrmStandinPhp   the generated release's CRM/Core/ClassLoader.php
#include <string_view>

namespace civiup::testbed {

extern const std::string_view kBootstrapInc;
extern const std::string_view kCiviCrmStandinPhp;

}  // namespace civiup::testbed
