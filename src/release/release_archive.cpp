#include "release_archive.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "civiup/base/error.hpp"

namespace civiup::release_detail {
namespace {

constexpr size_t kReadBlock = size_t{1} << 18;
constexpr int kMaxSymlinkHops = 40;  // as Linux's MAXSYMLINKS

la_ssize_t read_callback(archive* a, void* data, const void** block) {
  auto* source = static_cast<FdSource*>(data);
  while (true) {
    ssize_t n = ::pread(source->fd, source->buffer.data(), source->buffer.size(), source->offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      archive_set_error(a, errno, "read error: %s", std::strerror(errno));
      return -1;
    }
    source->offset += n;
    *block = source->buffer.data();
    return n;
  }
}

bool has_control_or_backslash(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F || c == '\\') return true;
  }
  return false;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

}  // namespace

std::string archive_message(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? printable(message) : std::string("unknown libarchive error");
}

ArchiveReader open_reader(FdSource& source) {
  source.offset = 0;
  if (source.buffer.empty()) source.buffer.resize(kReadBlock);
  ArchiveReader reader(archive_read_new());
  if (!reader) fail("out of memory creating an archive reader");
  // All filters, so that a bzip2/xz tarball is named as such, then refused.
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_tar(reader.get());
  if (archive_read_open(reader.get(), &source, nullptr, read_callback, nullptr) != ARCHIVE_OK) {
    // gzip data that breaks off or is damaged is a broken download, not "not a tar".
    unsigned char magic[3] = {};
    bool gzip =
        ::pread(source.fd, magic, sizeof magic, 0) == 3 && magic[0] == 0x1f && magic[1] == 0x8b && magic[2] == 8;
    // libarchive reports "Unrecognized archive format" as EILSEQ (its ARCHIVE_ERRNO_FILE_FORMAT).
    if (gzip && archive_errno(reader.get()) != EILSEQ) {
      fail("corrupt or truncated: {}", archive_message(reader.get()));
    }
    fail("not a gzip'd tar archive: {}", archive_message(reader.get()));
  }
  return reader;
}

void require_gzip(archive* reader) {
  bool gzip = false;
  for (int i = 0; i < archive_filter_count(reader); ++i) {
    int code = archive_filter_code(reader, i);
    if (code == ARCHIVE_FILTER_GZIP) {
      gzip = true;
    } else if (code != ARCHIVE_FILTER_NONE) {
      fail("compressed with {}, not gzip (CiviCRM publishes .tar.gz)", archive_filter_name(reader, i));
    }
  }
  if (!gzip) fail("not gzip-compressed (CiviCRM publishes .tar.gz)");
}

std::string EntryRules::normalise_name(const char* raw, std::string_view role) {
  if (raw == nullptr) fail("an entry's {} cannot be decoded", role.empty() ? "name" : role);
  std::string_view name(raw);
  std::string shown =
      role.empty() ? fmt::format("entry '{}'", printable(name)) : fmt::format("{} '{}'", role, printable(name));
  auto refuse = [&](std::string_view cause) { fail("{}: {}", shown, cause); };
  if (name.empty()) refuse("empty name");
  if (name.size() > limits_.max_name_bytes) refuse(fmt::format("name longer than {} bytes", limits_.max_name_bytes));
  if (name.front() == '/') refuse("absolute path");
  if (!valid_utf8(name)) refuse("name is not valid UTF-8");
  if (has_control_or_backslash(name)) refuse("name holds a control character or backslash");
  while (name.starts_with("./")) name.remove_prefix(2);
  if (name.ends_with("/")) name.remove_suffix(1);
  auto parts = split_path(name);
  if (parts.size() > limits_.max_depth) refuse(fmt::format("nested deeper than {} directories", limits_.max_depth));
  for (std::string_view part : parts) {
    if (part == "..") refuse("path leaves the tree ('..')");
    if (part.empty() || part == ".") refuse("empty or '.' path component");
    if (part.size() > 255) refuse("a path component longer than 255 bytes");
  }
  if (parts.front() != "civicrm") refuse("outside the top directory civicrm/");
  return std::string(name);
}

void EntryRules::check_parents(const std::string& path) {
  for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    auto found = seen_.find(prefix);
    if (found == seen_.end()) {
      seen_.emplace(std::move(prefix), EntryType::kDirectory);  // implied by this entry
      continue;
    }
    if (found->second == EntryType::kSymlink) {
      fail("entry '{}': reached through the symlink '{}'", printable(path), printable(prefix));
    }
    if (found->second != EntryType::kDirectory) {
      fail("entry '{}': below '{}', which is a file", printable(path), printable(prefix));
    }
  }
}

EntryRules::Checked EntryRules::check(archive_entry* entry) {
  if (++entries_ > limits_.max_entries) fail("more than {} entries (a release has about 19,000)", limits_.max_entries);
  Checked checked;
  checked.path = normalise_name(archive_entry_pathname(entry), "");
  std::string shown = printable(checked.path);
  auto refuse = [&](std::string_view cause) { fail("entry '{}': {}", shown, cause); };

  const char* hardlink = archive_entry_hardlink(entry);
  if (hardlink != nullptr) {
    checked.type = EntryType::kHardlink;
  } else {
    const char* refused_type = nullptr;
    switch (archive_entry_filetype(entry)) {
      case AE_IFREG:
        checked.type = EntryType::kFile;
        break;
      case AE_IFDIR:
        checked.type = EntryType::kDirectory;
        break;
      case AE_IFLNK:
        checked.type = EntryType::kSymlink;
        break;
      case AE_IFCHR:
      case AE_IFBLK:
        refused_type = "a device file";
        break;
      case AE_IFIFO:
        refused_type = "a FIFO";
        break;
      case AE_IFSOCK:
        refused_type = "a socket";
        break;
      default:
        refused_type = "an entry of unknown type";
        break;
    }
    if (refused_type != nullptr) refuse(refused_type);
  }
  if ((archive_entry_mode(entry) & (S_ISUID | S_ISGID)) != 0) refuse("setuid or setgid bit");
  if (archive_entry_sparse_count(entry) > 0) refuse("a sparse file");
  if (checked.path == "civicrm" && checked.type != EntryType::kDirectory) refuse("the top civicrm/ is not a directory");

  int64_t size = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0;
  if (size < 0) refuse("negative size");
  if (checked.type == EntryType::kFile || checked.type == EntryType::kHardlink)
    checked.size = static_cast<uint64_t>(size);
  if (checked.size > limits_.max_entry_bytes) {
    refuse(fmt::format("{} bytes, above the limit of {} for one file", checked.size, limits_.max_entry_bytes));
  }
  declared_bytes_ += checked.size;
  if (declared_bytes_ > limits_.max_unpacked_bytes) {
    refuse(fmt::format("the archive unpacks to more than {} bytes", limits_.max_unpacked_bytes));
  }

  auto existing = seen_.find(checked.path);
  if (existing != seen_.end()) {
    // A directory entry for a directory that earlier entries implied is fine
    // only if nothing named it explicitly: implied ones are never in symlinks_.
    bool implied_dir = existing->second == EntryType::kDirectory && checked.type == EntryType::kDirectory;
    if (!implied_dir || explicit_dirs_.contains(checked.path)) refuse("duplicate entry");
  }
  check_parents(checked.path);

  if (checked.type == EntryType::kHardlink) {
    checked.hardlink = normalise_name(hardlink, fmt::format("entry '{}': hardlink target", shown));
    auto target = seen_.find(checked.hardlink);
    if (target == seen_.end() || (target->second != EntryType::kFile && target->second != EntryType::kHardlink)) {
      refuse(fmt::format("hardlink to '{}', which is not an earlier file of the archive", printable(checked.hardlink)));
    }
  }
  if (checked.type == EntryType::kSymlink) {
    const char* target = archive_entry_symlink(entry);
    if (target == nullptr || *target == '\0') refuse("symlink without a target");
    std::string_view text(target);
    if (text.front() == '/') refuse(fmt::format("symlink to the absolute path '{}'", printable(text)));
    if (!valid_utf8(text) || has_control_or_backslash(text) || text.size() > limits_.max_name_bytes) {
      refuse("symlink target is not a valid name");
    }
    symlinks_.emplace_back(checked.path, std::string(text));
  }
  if (checked.type == EntryType::kDirectory) explicit_dirs_.insert(checked.path);
  if (checked.type == EntryType::kFile || checked.type == EntryType::kHardlink) ++files_;
  seen_[checked.path] = checked.type;
  return checked;
}

void EntryRules::count_data(std::string_view path, uint64_t bytes, uint64_t compressed) {
  unpacked_bytes_ += bytes;
  if (unpacked_bytes_ > limits_.max_unpacked_bytes) {
    fail("entry '{}': the archive unpacks to more than {} bytes", printable(path), limits_.max_unpacked_bytes);
  }
  if (unpacked_bytes_ > limits_.ratio_floor_bytes &&
      static_cast<double>(unpacked_bytes_) > limits_.max_compression_ratio * static_cast<double>(compressed)) {
    fail("entry '{}': compression ratio above {}:1 (a decompression bomb?)", printable(path),
         limits_.max_compression_ratio);
  }
}

// Where each symlink leads, following the archive's other symlinks: it must
// never climb above civicrm/ on the way.
void EntryRules::check_symlink(const std::string& path, const std::string& target,
                               const std::unordered_map<std::string_view, std::string_view>& links) {
  auto parts = split_path(path);
  std::vector<std::string> stack(parts.begin(), parts.end() - 1);
  std::vector<std::string> pending;
  for (std::string_view part : split_path(target)) pending.emplace_back(part);
  std::reverse(pending.begin(), pending.end());  // a stack: back() is next
  int hops = 0;
  auto refuse = [&](std::string_view cause) {
    fail("entry '{}': symlink to '{}' {}", printable(path), printable(target), cause);
  };
  while (!pending.empty()) {
    std::string part = std::move(pending.back());
    pending.pop_back();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (stack.size() <= 1) refuse("leaves the tree");
      stack.pop_back();
      continue;
    }
    stack.push_back(part);
    std::string joined;
    for (const auto& component : stack) joined += (joined.empty() ? "" : "/") + component;
    auto link = links.find(joined);
    if (link == links.end()) continue;
    if (++hops > kMaxSymlinkHops) refuse("loops");
    stack.pop_back();
    if (link->second.starts_with("/")) refuse("leaves the tree");
    auto next = split_path(link->second);
    for (auto it = next.rbegin(); it != next.rend(); ++it) pending.emplace_back(*it);
  }
}

void EntryRules::finish() {
  std::unordered_map<std::string_view, std::string_view> links;
  for (const auto& [path, target] : symlinks_) links.emplace(path, target);
  for (const auto& [path, target] : symlinks_) check_symlink(path, target, links);
}

}  // namespace civiup::release_detail
