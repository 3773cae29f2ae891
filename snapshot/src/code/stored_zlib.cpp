#include "stored_zlib.hpp"

#include <zlib.h>

#include <algorithm>

namespace civiup::snapshot {

std::uint32_t adler32_of(std::uint32_t adler, const char* data, std::size_t size) {
  return static_cast<std::uint32_t>(
      adler32_z(adler, reinterpret_cast<const Bytef*>(data), static_cast<z_size_t>(size)));
}

void StoredZlibWriter::begin(std::string& out) {
  out += '\x78';                                          // deflate, 32 KiB window
  out += '\x01';                                          // no dictionary, "fastest"; (0x78 << 8 | 0x01) % 31 == 0
  if (left_ == 0) out.append("\x01\x00\x00\xff\xff", 5);  // one empty, final block
}

void StoredZlibWriter::append(std::string& out, std::string_view piece) {
  adler_ = adler32_of(adler_, piece.data(), piece.size());
  while (!piece.empty()) {
    if (block_left_ == 0) {
      std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(kStoredBlock, left_));
      out += static_cast<char>(length == left_ ? 1 : 0);  // BFINAL; BTYPE 00: stored
      out += static_cast<char>(length & 0xFF);
      out += static_cast<char>(length >> 8);
      out += static_cast<char>(~length & 0xFF);
      out += static_cast<char>((~length >> 8) & 0xFF);
      block_left_ = length;
    }
    std::size_t part = std::min(block_left_, piece.size());
    out.append(piece.substr(0, part));
    piece.remove_prefix(part);
    block_left_ -= part;
    left_ -= part;
  }
}

void StoredZlibWriter::finish(std::string& out) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>(adler_ >> shift);
}

void append_stored_zlib(std::string& out, std::string_view content) {
  out.reserve(out.size() + stored_zlib_size(content.size()));
  StoredZlibWriter writer(content.size());
  writer.begin(out);
  writer.append(out, content);
  writer.finish(out);
}

}  // namespace civiup::snapshot
