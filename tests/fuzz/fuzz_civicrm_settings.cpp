// civicrm.settings.php: define()s inside if (!defined(...)), DSN URLs with
// %-escapes, __DIR__ concatenations — read as text by read_civicrm_settings.
// Any input either gives the settings or a one-line civiup::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civiup/site/site.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static const fs::path root = [] {
    fs::path dir = civiup::fuzz::scratch_dir() / "site";
    fs::create_directories(dir);
    return dir;
  }();
  civiup::fuzz::write_bytes(root / "civicrm.settings.php", std::string_view(reinterpret_cast<const char*>(data), size));
  civiup::fuzz::expect_only_one_line_errors([&] {
    civiup::CiviCrmSettings settings = civiup::read_civicrm_settings(root);
    (void)settings.dsn.redacted();
    (void)settings.uf_dsn.same_database(settings.dsn);
  });
  return 0;
}
