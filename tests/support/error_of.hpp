#pragma once
// The one-line error of a call, for tests of what civiup refuses.
#include <string>

#include "civiup/base/error.hpp"

namespace civiup::test {

// The message of the civiup::Error `body` throws ("" when it throws none).
template <typename Body>
std::string error_of(Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace civiup::test
