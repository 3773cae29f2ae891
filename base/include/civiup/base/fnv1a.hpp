#pragma once
// FNV-1a, 64 bits: fast and well known, for noticing torn or changed bytes
// (the journal's seal, the tests' fingerprints) and for deterministic test
// data. Not a security measure.
#include <cstdint>
#include <string_view>

namespace civiup {

inline constexpr uint64_t kFnv1aBasis = 0xcbf29ce484222325ULL;

// `basis` chains: fnv1a64("a", fnv1a64("b")) mixes several keys.
constexpr uint64_t fnv1a64(std::string_view text, uint64_t basis = kFnv1aBasis) {
  uint64_t hash = basis;
  for (char byte : text) {
    hash ^= static_cast<unsigned char>(byte);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

}  // namespace civiup
