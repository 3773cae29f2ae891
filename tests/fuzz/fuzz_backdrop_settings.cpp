// settings.php as Backdrop writes it (and as administrators edit it): read as
// text by read_backdrop_settings, never executed.  Any input either gives the
// settings or a one-line civiup::Error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "civiup/site/site.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  static const fs::path root = [] {
    fs::path dir = civiup::fuzz::scratch_dir() / "site";
    fs::create_directories(dir / "files/config_abc123/active");  // where the seeds' $config_directories point
    return dir;
  }();
  civiup::fuzz::write_bytes(root / "settings.php", std::string_view(reinterpret_cast<const char*>(data), size));
  civiup::fuzz::expect_only_one_line_errors([&] {
    civiup::BackdropSettings settings = civiup::read_backdrop_settings(root);
    (void)settings.database.redacted();
  });
  return 0;
}
