#pragma once
// Deterministic pseudo-randomness for the test bed: the same seed always gives
// the same names, sizes and bytes, so a release tree is reproducible.
#include <cstdint>
#include <string>
#include <string_view>

#include "civiup/base/fnv1a.hpp"

namespace civiup::testbed {

// FNV-1a, chained: hash_of("a", hash_of("b")) mixes several keys.
inline uint64_t hash_of(std::string_view text, uint64_t basis = kFnv1aBasis) { return fnv1a64(text, basis); }

// splitmix64: tiny, fast, good enough for shaping test data.
class DeterministicRandom {
 public:
  explicit DeterministicRandom(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, bound).
  uint64_t below(uint64_t bound) { return bound == 0 ? 0 : next() % bound; }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// About `bytes` of text shaped like PHP source (identifiers, calls, comments,
// indentation): it compresses roughly as source code does (5-6x with gzip).
std::string pseudo_source(uint64_t seed, size_t bytes);

// An identifier-like word from a fixed vocabulary ("Contact", "Mailing", ...).
std::string_view vocabulary_word(uint64_t index);

}  // namespace civiup::testbed
