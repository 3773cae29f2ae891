#pragma once
// zlib streams made of "stored" blocks: the bytes as they are, framed.  Git
// and libgit2 inflate them like any other stream (git fsck --strict agrees).
// Deflating 165 MB costs more CPU than the rest of a first snapshot together,
// and inflating it again was most of a restore's; stored blocks make both a
// copy.  collect_garbage() compresses later.  libgit2 cannot write these: its
// writers treat level 0 as "no zlib stream at all".
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace civiup::snapshot {

inline constexpr std::size_t kStoredBlock = 65535;  // the most one stored block holds

// Size of the stream holding `size` bytes: 2 header bytes, 5 per block, 4 of Adler-32.
constexpr std::size_t stored_zlib_size(std::uint64_t size) {
  std::size_t blocks = size == 0 ? 1 : static_cast<std::size_t>((size + kStoredBlock - 1) / kStoredBlock);
  return 2 + 5 * blocks + static_cast<std::size_t>(size) + 4;
}

// Appends the stream of `content` to `out`.
void append_stored_zlib(std::string& out, std::string_view content);

// Writes one stream incrementally, for content too large to hold: begin, then
// the content in any pieces (their sizes adding up to `size`), then finish.
class StoredZlibWriter {
 public:
  explicit StoredZlibWriter(std::uint64_t size) : left_(size) {}
  void begin(std::string& out);
  void append(std::string& out, std::string_view piece);
  void finish(std::string& out);

 private:
  std::uint64_t left_;
  std::size_t block_left_ = 0;
  std::uint32_t adler_ = 1;
};

// The content of a stored stream of `size` content bytes at `stream` (which
// has at least `available` bytes), as the slices visit(const char*, size_t)
// receives, Adler-32 checked.  False when the stream is not stored blocks
// throughout (deflated by git or gc) or is damaged; visit may then have seen
// part of it.
template <typename Visit>
bool visit_stored_zlib(const char* stream, std::size_t available, std::uint64_t size, Visit&& visit);

std::uint32_t adler32_of(std::uint32_t adler, const char* data, std::size_t size);

// Whether the stream at `stream` is stored blocks throughout, holding `size`
// bytes: the block headers only, no checksum (visit_stored_zlib checks that).
inline bool is_stored_zlib(const char* stream, std::size_t available, std::uint64_t size) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(stream[i]); };
  if (available < stored_zlib_size(size) || (byte(0) & 0x0F) != 8 || ((byte(0) << 8) | byte(1)) % 31 != 0) return false;
  std::size_t at = 2;
  std::uint64_t left = size;
  for (bool last = false; !last;) {
    if (at + 5 > available || (byte(at) & 0x06) != 0) return false;
    last = (byte(at) & 0x01) != 0;
    std::size_t length = byte(at + 1) | (byte(at + 2) << 8);
    if ((length ^ (byte(at + 3) | (byte(at + 4) << 8))) != 0xFFFF || length > left) return false;
    at += 5 + length;
    left -= length;
  }
  return left == 0 && at + 4 <= available;
}

template <typename Visit>
bool visit_stored_zlib(const char* stream, std::size_t available, std::uint64_t size, Visit&& visit) {
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(stream[i]); };
  if (available < stored_zlib_size(size) || (byte(0) & 0x0F) != 8 || (byte(1) & 0x20) != 0 ||
      ((byte(0) << 8) | byte(1)) % 31 != 0) {
    return false;
  }
  std::size_t at = 2;
  std::uint64_t left = size;
  std::uint32_t adler = 1;
  for (bool last = false; !last;) {
    if (at + 5 > available) return false;
    unsigned header = byte(at);
    if ((header & 0x06) != 0) return false;  // BTYPE 00: stored
    last = (header & 0x01) != 0;
    std::size_t length = byte(at + 1) | (byte(at + 2) << 8);
    std::size_t check = byte(at + 3) | (byte(at + 4) << 8);
    if ((length ^ check) != 0xFFFF || length > left || at + 5 + length > available) return false;
    at += 5;
    adler = adler32_of(adler, stream + at, length);
    visit(stream + at, length);
    at += length;
    left -= length;
  }
  if (left != 0 || at + 4 > available) return false;
  std::uint32_t recorded =
      (static_cast<std::uint32_t>(byte(at)) << 24) | (byte(at + 1) << 16) | (byte(at + 2) << 8) | byte(at + 3);
  return recorded == adler;
}

}  // namespace civiup::snapshot
