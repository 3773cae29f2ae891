// CiviCRM version numbers ("5.75.0", "5.76.alpha1", "5.75.0.upgrade") and the
// two files a release states its version in.  The whole input is parsed as a
// version: what parses must print back to itself and parse to the same value.
// Split at the first NUL, the input is civicrm-version.php and xml/version.xml.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "civiup/site/site.hpp"
#include "civiup/site/version_number.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using civiup::Version;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  civiup::fuzz::expect_only_one_line_errors([&] {
    std::optional<Version> version = Version::try_parse(text);
    if (!version) {
      (void)Version::parse(text);  // must throw a civiup::Error, not anything else
      std::fprintf(stderr, "try_parse refused what parse accepted\n");
      std::abort();
    }
    Version again = Version::parse(version->str());
    if (again != *version || again.str() != version->str()) {
      std::fprintf(stderr, "'%s' does not round-trip\n", version->str().c_str());
      std::abort();
    }
    Version base = version->without_upgrade_marker();
    if (base > *version) std::abort();  // X.upgrade sorts just after X
    (void)civiup::upgrade_version_problems(base, *version, Version::parse("5.75.0"), false);
  });
  size_t nul = text.find('\0');
  if (nul != std::string_view::npos) {
    civiup::fuzz::expect_only_one_line_errors([&] {
      civiup::code_version_from_files(text.substr(0, nul), text.substr(nul + 1), "civicrm/civicrm-version.php",
                                      "civicrm/xml/version.xml");
    });
  }
  return 0;
}
