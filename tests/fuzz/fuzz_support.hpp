#pragma once
// What the fuzz targets share: a scratch directory (tmpfs when there is one)
// for the readers that take files, and the contract every target checks:
// a refusal is a civiup::Error with a one-line message; anything else that
// escapes (another exception, a crash, a sanitizer report) is a finding.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string_view>

namespace civiup::fuzz {

// This process's scratch directory, created on first use, removed at exit.
const std::filesystem::path& scratch_dir();

// Writes `data` to `file` (truncating).
void write_bytes(const std::filesystem::path& file, std::string_view data);

// Runs `body`; a civiup::Error must be one line (else abort: a finding).
template <typename Body>
void expect_only_one_line_errors(Body&& body);

void check_one_line(const char* message);

}  // namespace civiup::fuzz

#include "civiup/base/error.hpp"

template <typename Body>
void civiup::fuzz::expect_only_one_line_errors(Body&& body) {
  try {
    body();
  } catch (const civiup::Error& e) {
    check_one_line(e.what());
  }
}
