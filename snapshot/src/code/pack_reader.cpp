#include "pack_reader.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "civiup/base/error.hpp"
#include "civiup/base/unique_fd.hpp"
#include "stored_zlib.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

namespace {

std::uint32_t be32(const unsigned char* at) {
  return (static_cast<std::uint32_t>(at[0]) << 24) | (at[1] << 16) | (at[2] << 8) | at[3];
}

// A whole file mapped read-only.
struct Mapping {
  const unsigned char* data = nullptr;
  std::size_t size = 0;

  bool map(const fs::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    struct stat status {};
    if (::fstat(fd.get(), &status) == 0 && status.st_size > 0) {
      void* mapped = ::mmap(nullptr, static_cast<std::size_t>(status.st_size), PROT_READ, MAP_SHARED, fd.get(), 0);
      if (mapped != MAP_FAILED) {
        data = static_cast<const unsigned char*>(mapped);
        size = static_cast<std::size_t>(status.st_size);
      }
    }
    return data != nullptr;
  }
  ~Mapping() {
    if (data != nullptr) ::munmap(const_cast<unsigned char*>(data), size);
  }
  // Drops the pages around [begin, end) from this process's resident set
  // once read: they stay in the page cache, but a restore that reads a whole
  // 165 MB stored pack would otherwise count all of it in its RSS (a rollback
  // peaked at 197 MB).  64 KB-aligned: a fault maps the 64 KB around it.
  void release(std::size_t begin, std::size_t end) const {
    constexpr std::size_t kFaultAround = std::size_t{64} << 10;
    std::size_t first = begin / kFaultAround * kFaultAround;
    std::size_t last = std::min(size, (end + kFaultAround - 1) / kFaultAround * kFaultAround);
    if (last > first) ::madvise(const_cast<unsigned char*>(data) + first, last - first, MADV_DONTNEED);
  }
};

}  // namespace

struct PackReader::Pack {
  fs::path path;
  Mapping index;
  Mapping pack;
  std::uint32_t count = 0;

  // Version 2 .idx only (all git has written since 1.5.2); otherwise libgit2 reads it.
  bool open(const fs::path& index_path) {
    path = fs::path(index_path).replace_extension(".pack");
    if (!index.map(index_path) || !pack.map(path)) return false;
    if (index.size < 8 + 256 * 4 + 40 || std::memcmp(index.data, "\xfftOc", 4) != 0 || be32(index.data + 4) != 2) {
      return false;
    }
    count = be32(index.data + 8 + std::size_t{255} * 4);
    return index.size >= 8 + 256 * 4 + std::size_t{count} * (20 + 4 + 4) + 40 && pack.size >= 32;
  }

  // The object's offset in the pack, if this pack has it.
  std::optional<std::uint64_t> find(const git_oid& id) const {
    const unsigned char* fan_out = index.data + 8;
    std::uint32_t low = id.id[0] == 0 ? 0 : be32(fan_out + (std::size_t{id.id[0]} - 1) * 4);
    std::uint32_t high = be32(fan_out + std::size_t{id.id[0]} * 4);
    const unsigned char* ids = fan_out + std::size_t{256} * 4;
    while (low < high) {
      std::uint32_t middle = low + (high - low) / 2;
      int order = std::memcmp(ids + std::size_t{middle} * 20, id.id, 20);
      if (order == 0) {
        const unsigned char* offsets = ids + std::size_t{count} * 24;
        std::uint32_t offset = be32(offsets + std::size_t{middle} * 4);
        if ((offset & 0x80000000u) == 0) return offset;
        const unsigned char* large = offsets + std::size_t{count} * 4 + std::size_t{offset & 0x7FFFFFFFu} * 8;
        if (large + 8 > index.data + index.size) return std::nullopt;
        return (std::uint64_t{be32(large)} << 32) | be32(large + 4);
      }
      if (order < 0) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    return std::nullopt;
  }
};

PackReader::PackReader(const fs::path& pack_directory) {
  std::error_code error;
  for (fs::directory_iterator it(pack_directory, error), end; !error && it != end; it.increment(error)) {
    if (it->path().extension() != ".idx") continue;
    auto pack = std::make_unique<Pack>();
    if (pack->open(it->path())) packs_.push_back(std::move(pack));
  }
}

PackReader::~PackReader() = default;

bool PackReader::read_blob(const git_oid& id, const std::function<void(const char*, std::size_t)>& visit) const {
  for (const auto& pack : packs_) {
    std::optional<std::uint64_t> offset = pack->find(id);
    if (!offset) continue;
    // The entry header: type in bits 4-6 of the first byte, then the size, 4 bits and 7 per byte.
    const unsigned char* data = pack->pack.data;
    std::size_t end = pack->pack.size - 20;  // the trailer
    std::size_t at = static_cast<std::size_t>(*offset);
    if (at >= end) return false;
    unsigned byte = data[at++];
    if (((byte >> 4) & 7) != GIT_OBJECT_BLOB) return false;
    std::uint64_t size = byte & 0x0F;
    for (int shift = 4; (byte & 0x80) != 0; shift += 7) {
      if (at >= end || shift > 57) return false;
      byte = data[at++];
      size |= std::uint64_t{byte & 0x7Fu} << shift;
    }
    const char* stream = reinterpret_cast<const char*>(data + at);
    if (!is_stored_zlib(stream, end - at, size)) return false;  // deflated (by gc): libgit2 inflates it
    if (!visit_stored_zlib(stream, end - at, size, visit)) {
      fail("{}: object {} is damaged", pack->path.string(), git_oid_tostr_s(&id));
    }
    pack->pack.release(static_cast<std::size_t>(*offset), std::min(end, at + stored_zlib_size(size)));
    return true;
  }
  return false;
}

}  // namespace civiup::snapshot
