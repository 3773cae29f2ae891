#include "fuzz_support.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "civiup/base/unique_fd.hpp"

namespace civiup::fuzz {
namespace fs = std::filesystem;

namespace {

fs::path make_scratch() {
  std::error_code error;
  fs::path base = fs::is_directory("/dev/shm", error) ? fs::path("/dev/shm") : fs::temp_directory_path();
  std::string pattern = (base / "civiup-fuzz.XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::perror("civiup fuzz: mkdtemp");
    std::abort();
  }
  return pattern;
}

}  // namespace

const fs::path& scratch_dir() {
  static const fs::path dir = [] {
    fs::path made = make_scratch();
    static fs::path to_remove = made;
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(to_remove, ignored);
    });
    return made;
  }();
  return dir;
}

void write_bytes(const fs::path& file, std::string_view data) {
  UniqueFd fd(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) {
    std::perror("civiup fuzz: open");
    std::abort();
  }
  while (!data.empty()) {
    ssize_t n = ::write(fd.get(), data.data(), data.size());
    if (n <= 0) {
      std::perror("civiup fuzz: write");
      std::abort();
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void check_one_line(const char* message) {
  if (std::strchr(message, '\n') != nullptr || std::strchr(message, '\r') != nullptr) {
    std::fprintf(stderr, "civiup fuzz: an error message of more than one line:\n%s\n", message);
    std::abort();
  }
}

}  // namespace civiup::fuzz
