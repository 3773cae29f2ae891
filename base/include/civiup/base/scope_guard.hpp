#pragma once
// RAII helpers: C handles owned by unique_ptr with the library's free function,
// and a scope guard for one-off cleanups.
#include <memory>
#include <utility>

namespace civiup {

// Handle<git_repository, git_repository_free> owns a git_repository*.
template <auto FreeFunction>
struct FreeWith {
  template <typename T>
  void operator()(T* pointer) const noexcept {
    if (pointer != nullptr) FreeFunction(pointer);
  }
};
template <typename T, auto FreeFunction>
using Handle = std::unique_ptr<T, FreeWith<FreeFunction>>;

template <typename Cleanup>
class ScopeGuard {
 public:
  explicit ScopeGuard(Cleanup cleanup) : cleanup_(std::move(cleanup)) {}
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;
  ~ScopeGuard() {
    if (active_) cleanup_();
  }
  void dismiss() noexcept { active_ = false; }

 private:
  Cleanup cleanup_;
  bool active_ = true;
};

}  // namespace civiup
