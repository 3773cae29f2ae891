#include "incoming_pack.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <vector>

#include "civiup/base/durable_file.hpp"
#include "civiup/base/error.hpp"
#include "civiup/base/scope_guard.hpp"
#include "stored_zlib.hpp"

namespace civiup::snapshot {

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kHeaderSize = 12;  // "PACK", version 2, object count

using Digest = std::array<unsigned char, 20>;

// The pack trailer and .idx checksums are plain SHA-1 over the file.  libgit2
// does not export its hash, and OpenSSL's uses the CPU's SHA instructions.
class Sha1 {
 public:
  Sha1() : context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr || EVP_DigestInit_ex(context_.get(), EVP_sha1(), nullptr) != 1)
      fail("SHA-1 is unavailable");
  }
  void update(const void* data, std::size_t size) { EVP_DigestUpdate(context_.get(), data, size); }
  Digest digest() {
    Digest out{};
    EVP_DigestFinal_ex(context_.get(), out.data(), nullptr);
    return out;
  }

 private:
  Handle<EVP_MD_CTX, EVP_MD_CTX_free> context_;
};

std::string hex_of(const Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : digest) {
    out += kHex[byte >> 4];
    out += kHex[byte & 0x0F];
  }
  return out;
}

void put_be32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>(value >> shift);
}

// A pack entry's header: type and content size, 4 bits then 7 per byte.
std::string entry_header(git_object_t type, std::uint64_t size) {
  std::string out;
  auto byte = static_cast<unsigned>((static_cast<unsigned>(type) << 4) | (size & 0x0F));
  size >>= 4;
  while (size != 0) {
    out += static_cast<char>(byte | 0x80);
    byte = size & 0x7F;
    size >>= 7;
  }
  out += static_cast<char>(byte);
  return out;
}

std::uint32_t crc32_of(std::uint32_t crc, const std::string& bytes) {
  return static_cast<std::uint32_t>(
      crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<z_size_t>(bytes.size())));
}

void write_file_synced(const fs::path& path, const std::string& bytes, bool durable) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0400));
  if (!fd) fail_errno(fmt::format("creating {}", path.string()));
  for (std::size_t done = 0; done < bytes.size();) {
    ssize_t wrote = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) fail_errno(fmt::format("writing {}", path.string()));
    done += static_cast<std::size_t>(wrote);
  }
  if (durable && ::fsync(fd.get()) != 0) fail_errno(fmt::format("fsync of {}", path.string()));
  if (int error = fd.close(); durable && error != 0) fail_errno(fmt::format("closing {}", path.string()), error);
}

// --- the libgit2 backend --------------------------------------------------------

struct PackBackend {
  git_odb_backend parent;  // first: libgit2 hands back a git_odb_backend*
  IncomingPack* pack;
};

IncomingPack& pack_of(git_odb_backend* backend) { return *reinterpret_cast<PackBackend*>(backend)->pack; }

int backend_write(git_odb_backend* backend, const git_oid* id, const void* data, size_t size, git_object_t type) {
  try {
    pack_of(backend).add(*id, type, std::string_view(static_cast<const char*>(data), size));
    return 0;
  } catch (const std::exception& e) {
    git_error_set_str(GIT_ERROR_ODB, e.what());
    return -1;
  }
}

int backend_read(void** data, size_t* size, git_object_t* type, git_odb_backend* backend, const git_oid* id) {
  try {
    auto object = pack_of(backend).read(*id);
    if (!object) return GIT_ENOTFOUND;
    *type = object->first;
    *size = object->second.size();
    *data = git_odb_backend_data_alloc(backend, object->second.size());
    if (*data == nullptr) return -1;
    std::memcpy(*data, object->second.data(), object->second.size());
    return 0;
  } catch (const std::exception& e) {
    git_error_set_str(GIT_ERROR_ODB, e.what());
    return -1;
  }
}

int backend_read_header(size_t* size, git_object_t* type, git_odb_backend* backend, const git_oid* id) {
  void* data = nullptr;
  int code = backend_read(&data, size, type, backend, id);
  if (code == 0) git_odb_backend_data_free(backend, data);
  return code;
}

int backend_exists(git_odb_backend* backend, const git_oid* id) { return pack_of(backend).contains(*id) ? 1 : 0; }

void backend_free(git_odb_backend* backend) { delete reinterpret_cast<PackBackend*>(backend); }

}  // namespace

IncomingPack::IncomingPack(const fs::path& directory) : path_(directory / "incoming.pack"), end_(kHeaderSize) {
  // Read-only as git's packs (nothing rewrites a pack in place), and the
  // owner's only: a pack holds settings.php.
  fd_.reset(::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0400));
  if (!fd_) fail_errno(fmt::format("creating {}", path_.string()));
}

IncomingPack::~IncomingPack() = default;

std::optional<std::uint64_t> IncomingPack::reserve(const git_oid& id, git_object_t type, std::uint64_t size) {
  std::lock_guard lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(id);
  if (!inserted) return std::nullopt;
  Entry& entry = it->second;
  entry.offset = end_;
  entry.length = entry_header(type, size).size() + stored_zlib_size(size);
  entry.size = size;
  entry.type = type;
  end_ += entry.length;
  return entry.offset;
}

void IncomingPack::written(const git_oid& id, std::uint32_t crc) {
  std::lock_guard lock(mutex_);
  Entry& entry = entries_.at(id);
  entry.crc = crc;
  entry.written = true;
}

void IncomingPack::write_at(std::uint64_t offset, const std::string& bytes) const {
  for (std::size_t done = 0; done < bytes.size();) {
    ssize_t wrote = ::pwrite(fd_.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) fail_errno(fmt::format("writing {}", path_.string()));
    done += static_cast<std::size_t>(wrote);
  }
}

void IncomingPack::add(const git_oid& id, git_object_t type, std::string_view content) {
  std::optional<std::uint64_t> offset = reserve(id, type, content.size());
  if (!offset) return;
  thread_local std::string bytes;
  bytes = entry_header(type, content.size());
  append_stored_zlib(bytes, content);
  write_at(*offset, bytes);
  written(id, crc32_of(0, bytes));
}

void IncomingPack::add_streamed(const git_oid& id, std::uint64_t size,
                                const std::function<void(char*, std::size_t)>& read_next) {
  std::optional<std::uint64_t> offset = reserve(id, GIT_OBJECT_BLOB, size);
  if (!offset) return;
  Sha1 object_hash;  // git's object id: SHA-1 of "blob <size>\0" and the content
  std::string head = fmt::format("blob {}", size);
  object_hash.update(head.data(), head.size() + 1);
  StoredZlibWriter stream(size);
  std::string bytes = entry_header(GIT_OBJECT_BLOB, size);
  stream.begin(bytes);
  std::uint32_t crc = 0;
  std::string chunk(1u << 20, '\0');
  std::uint64_t at = *offset;
  for (std::uint64_t left = size; left > 0;) {
    std::size_t part = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), left));
    read_next(chunk.data(), part);
    object_hash.update(chunk.data(), part);
    stream.append(bytes, std::string_view(chunk.data(), part));
    left -= part;
    if (left == 0) stream.finish(bytes);
    write_at(at, bytes);
    crc = crc32_of(crc, bytes);
    at += bytes.size();
    bytes.clear();
  }
  if (size == 0) {
    stream.finish(bytes);
    write_at(at, bytes);
    crc = crc32_of(crc, bytes);
  }
  Digest digest = object_hash.digest();
  if (std::memcmp(digest.data(), id.id, digest.size()) != 0) fail("it changed while being snapshotted");
  written(id, crc);
}

bool IncomingPack::contains(const git_oid& id) const {
  std::lock_guard lock(mutex_);
  return entries_.count(id) != 0;
}

std::size_t IncomingPack::object_count() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::optional<std::pair<git_object_t, std::string>> IncomingPack::read(const git_oid& id) const {
  Entry entry;
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(id);
    if (it == entries_.end() || !it->second.written) return std::nullopt;
    entry = it->second;
  }
  std::string bytes(entry.length, '\0');
  for (std::size_t done = 0; done < bytes.size();) {
    ssize_t got = ::pread(fd_.get(), bytes.data() + done, bytes.size() - done, static_cast<off_t>(entry.offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) fail_errno(fmt::format("reading back {}", path_.string()));
    done += static_cast<std::size_t>(got);
  }
  std::size_t header = entry_header(entry.type, entry.size).size();
  std::string content;
  content.reserve(entry.size);
  if (!visit_stored_zlib(bytes.data() + header, bytes.size() - header, entry.size,
                         [&](const char* data, std::size_t size) { content.append(data, size); })) {
    fail("{}: an object reads back damaged", path_.string());
  }
  return std::pair{entry.type, std::move(content)};
}

std::string IncomingPack::write_index(const std::string& trailer) const {
  std::vector<std::pair<git_oid, const Entry*>> sorted;
  sorted.reserve(entries_.size());
  for (const auto& [id, entry] : entries_) sorted.emplace_back(id, &entry);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return git_oid_cmp(&a.first, &b.first) < 0; });

  // Version 2: magic, fan-out, ids, CRC-32s, 31-bit offsets (else an index
  // into the 64-bit table), the pack's trailer, then this file's own SHA-1.
  std::string out("\xfftOc", 4);
  put_be32(out, 2);
  std::array<std::uint32_t, 256> fan_out{};
  for (const auto& [id, entry] : sorted) ++fan_out[id.id[0]];
  for (std::size_t i = 1; i < fan_out.size(); ++i) fan_out[i] += fan_out[i - 1];
  for (std::uint32_t count : fan_out) put_be32(out, count);
  for (const auto& [id, entry] : sorted) out.append(reinterpret_cast<const char*>(id.id), GIT_OID_RAWSZ);
  for (const auto& [id, entry] : sorted) put_be32(out, entry->crc);
  std::string large;
  std::uint32_t large_count = 0;
  for (const auto& [id, entry] : sorted) {
    if (entry->offset < 0x80000000u) {
      put_be32(out, static_cast<std::uint32_t>(entry->offset));
    } else {
      put_be32(out, 0x80000000u | large_count++);
      put_be32(large, static_cast<std::uint32_t>(entry->offset >> 32));
      put_be32(large, static_cast<std::uint32_t>(entry->offset));
    }
  }
  out += large;
  out += trailer;
  Sha1 hash;
  hash.update(out.data(), out.size());
  Digest digest = hash.digest();
  out.append(reinterpret_cast<const char*>(digest.data()), digest.size());
  return out;
}

std::string IncomingPack::publish(const fs::path& pack_directory, bool durable) {
  std::lock_guard lock(mutex_);
  if (entries_.empty()) return "";
  for (const auto& [id, entry] : entries_) {
    if (!entry.written) fail("{}: an object was never written", path_.string());
  }
  std::string header("PACK", 4);
  put_be32(header, 2);
  put_be32(header, static_cast<std::uint32_t>(entries_.size()));
  write_at(0, header);

  // The trailer: SHA-1 of everything before it, read back from the page cache.
  Sha1 hash;
  std::string buffer(1u << 20, '\0');
  for (std::uint64_t at = 0; at < end_;) {
    std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), end_ - at));
    ssize_t got = ::pread(fd_.get(), buffer.data(), want, static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) fail_errno(fmt::format("reading back {}", path_.string()));
    hash.update(buffer.data(), static_cast<std::size_t>(got));
    at += static_cast<std::uint64_t>(got);
  }
  Digest digest = hash.digest();
  std::string trailer(reinterpret_cast<const char*>(digest.data()), digest.size());
  write_at(end_, trailer);
  if (durable && ::fsync(fd_.get()) != 0) fail_errno(fmt::format("fsync of {}", path_.string()));

  fs::path index_path = fs::path(path_).replace_extension(".idx");
  write_file_synced(index_path, write_index(trailer), durable);
  std::string name = "pack-" + hex_of(digest);
  fs::create_directories(pack_directory);
  for (const auto& [from, to] :
       {std::pair{path_, pack_directory / (name + ".pack")}, std::pair{index_path, pack_directory / (name + ".idx")}}) {
    if (::rename(from.c_str(), to.c_str()) != 0)
      fail_errno(fmt::format("moving {} into {}", from.string(), to.string()));
  }
  if (durable) fsync_path(pack_directory);
  return name;
}

git_odb_backend* IncomingPack::new_backend() {
  auto* backend = new PackBackend{};
  git_odb_init_backend(&backend->parent, GIT_ODB_BACKEND_VERSION);
  backend->pack = this;
  backend->parent.write = backend_write;
  backend->parent.read = backend_read;
  backend->parent.read_header = backend_read_header;
  backend->parent.exists = backend_exists;
  backend->parent.free = backend_free;
  return &backend->parent;
}

}  // namespace civiup::snapshot
