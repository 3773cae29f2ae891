#include "loose_object.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <string_view>

#include "civiup/snapshot/error.hpp"
#include "civiup/snapshot/scope_guard.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kStoredBlock = 65535;  // the most one stored deflate block holds

// RFC 1950's checksum, summed in runs short enough that nothing overflows.
std::uint32_t adler32(std::uint32_t adler, const unsigned char* data, std::size_t size) {
  constexpr std::uint32_t kBase = 65521;
  constexpr std::size_t kRun = 5552;
  std::uint32_t a = adler & 0xFFFF;
  std::uint32_t b = adler >> 16;
  while (size > 0) {
    std::size_t run = size < kRun ? size : kRun;
    size -= run;
    for (; run > 0; --run) {
      a += *data++;
      b += a;
    }
    a %= kBase;
    b %= kBase;
  }
  return (b << 16) | a;
}

void put_big_endian(std::string& out, std::uint32_t value) {
  out += static_cast<char>(value >> 24);
  out += static_cast<char>(value >> 16);
  out += static_cast<char>(value >> 8);
  out += static_cast<char>(value);
}

// The zlib stream of `head` followed by `body`, in stored blocks, into `out`.
void stored_zlib(std::string& out, std::string_view head, std::string_view body) {
  std::size_t total = head.size() + body.size();
  out.clear();
  out.reserve(total + total / kStoredBlock * 5 + 16);
  out += '\x78';  // deflate, 32 KiB window
  out += '\x01';  // no dictionary, "fastest"; (0x78 << 8 | 0x01) % 31 == 0
  std::size_t offset = 0;
  do {
    std::size_t length = std::min(kStoredBlock, total - offset);
    out += static_cast<char>(offset + length == total ? 1 : 0);  // BFINAL; BTYPE 00: stored
    out += static_cast<char>(length & 0xFF);
    out += static_cast<char>(length >> 8);
    out += static_cast<char>(~length & 0xFF);
    out += static_cast<char>((~length >> 8) & 0xFF);
    // The block's bytes, from the head and then the body.
    std::size_t from = offset;
    std::size_t end = offset + length;
    if (from < head.size()) {
      std::size_t part = std::min(end, head.size()) - from;
      out.append(head.substr(from, part));
      from += part;
    }
    if (from < end) out.append(body.substr(from - head.size(), end - from));
    offset = end;
  } while (offset < total);
  auto bytes = [](std::string_view text) { return reinterpret_cast<const unsigned char*>(text.data()); };
  put_big_endian(out, adler32(adler32(1, bytes(head), head.size()), bytes(body), body.size()));
}

void write_all(int fd, const std::string& data, const fs::path& path) {
  const char* next = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t written = ::write(fd, next, left);
    if (written < 0 && errno == EINTR) continue;
    if (written < 0) fail_errno(fmt::format("writing {}", path.string()));
    next += written;
    left -= static_cast<std::size_t>(written);
  }
}

}  // namespace

void write_stored_loose_blob(const fs::path& objects, const git_oid& id, const char* content, std::size_t size) {
  char hex[GIT_OID_HEXSZ + 1];
  git_oid_tostr(hex, sizeof hex, &id);
  fs::path directory = objects / std::string(hex, 2);
  fs::path path = directory / (hex + 2);
  if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) fail_errno(fmt::format("creating {}", directory.string()));

  // O_EXCL: another thread writing the same content got there first, and
  // the quarantine holds nothing older (it is emptied before each snapshot).
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
  if (fd < 0 && errno == EEXIST) return;
  if (fd < 0) fail_errno(fmt::format("creating {}", path.string()));
  ScopeGuard close_fd([fd] { ::close(fd); });
  std::string head = fmt::format("blob {}", size);
  head += '\0';
  thread_local std::string framed;
  stored_zlib(framed, head, std::string_view(content, size));
  write_all(fd, framed, path);
}

}  // namespace civiup::snapshot
