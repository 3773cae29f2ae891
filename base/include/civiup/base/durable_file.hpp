#pragma once
// Durable writes: temp file, fsync, rename, fsync the directory.  Used for the
// journal, manifests and anything that must survive a power cut whole or not at all.
#include <filesystem>
#include <string_view>

#include <sys/types.h>

namespace civiup {

// Replaces `path` with `content` atomically and durably; the file gets `mode`.
void write_file_durably(const std::filesystem::path& path, std::string_view content, mode_t mode = 0600);

// The same, keeping the replaced file's mode, owner and group (a site's config
// file owned by the web server stays so).  `path` must exist.
void replace_file_durably(const std::filesystem::path& path, std::string_view content);

// fsync of one file or directory.
void fsync_path(const std::filesystem::path& path);

// fsync of the directory that holds `path`.
void fsync_parent(const std::filesystem::path& path);

// syncfs(2) of the filesystem holding `path`: one call flushes a whole staged tree.
void sync_filesystem(const std::filesystem::path& path);

// The whole content of a file, or an error naming the file.
std::string read_file(const std::filesystem::path& path);

}  // namespace civiup
