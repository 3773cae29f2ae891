#pragma once
// One error type for the whole program.  Errors carry context as they rise
// ("staging release X: entry '../x': path leaves the tree"); main() catches
// once and maps to the documented exit code.
#include <cerrno>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include <fmt/format.h>

namespace civiup {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}

  // The same error with "context: " in front.
  [[nodiscard]] Error with_context(std::string_view context) const {
    return Error(fmt::format("{}: {}", context, what()));
  }
};

template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

// "what: strerror(errno)", for a failed system call.
[[noreturn]] inline void fail_errno(std::string_view what, int error_number = errno) {
  throw Error(fmt::format("{}: {}", what, std::system_category().message(error_number)));
}

// Runs `body`; any civiup::Error it throws gets `context` in front.
template <typename Body>
auto with_context(std::string_view context, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Error& e) {
    throw e.with_context(context);
  }
}

}  // namespace civiup
