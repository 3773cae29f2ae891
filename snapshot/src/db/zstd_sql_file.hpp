#pragma once
// zstd-compressed SQL files, streamed: the writer compresses as statements are
// appended (libzstd streaming API, content checksum on), the reader hands back
// decompressed blocks.  Both own their fd and ZSTD context by RAII.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <zstd.h>

#include "civiup/base/scope_guard.hpp"
#include "civiup/base/unique_fd.hpp"

namespace civiup::snapshot::db {

// Syncs and closes finished files on a thread of its own, so that a worker
// goes on with its next file instead of waiting for the disk.  wait() returns
// once every file handed over is durable, or throws the first failure.
class BackgroundSync {
 public:
  BackgroundSync();
  // What is left unsynced is closed (the dump failed; nothing needs to be durable).
  ~BackgroundSync();
  BackgroundSync(const BackgroundSync&) = delete;
  BackgroundSync& operator=(const BackgroundSync&) = delete;

  // Takes over `fd`: fsync, then close.
  void sync_and_close(UniqueFd fd, std::filesystem::path path);
  void wait();

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable work_, idle_;
  std::deque<std::pair<UniqueFd, std::filesystem::path>> queue_;
  bool busy_ = false;
  bool stop_ = false;
  std::string error_;
  std::thread thread_;
};

class ZstdSqlWriter {
 public:
  ZstdSqlWriter(std::filesystem::path path, int level);
  ZstdSqlWriter(const ZstdSqlWriter&) = delete;
  ZstdSqlWriter& operator=(const ZstdSqlWriter&) = delete;

  // Appends one statement (with its terminator and newline already in `sql`).
  void append(std::string_view sql);
  // Ends the frame, syncs and closes (or hands the syncing and closing to
  // `sync`).  Without finish() the file is incomplete.
  void finish(BackgroundSync* sync = nullptr);

  uint64_t sql_bytes() const { return sql_bytes_; }
  uint64_t file_bytes() const { return file_bytes_; }
  uint64_t largest_statement() const { return largest_statement_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  void compress(std::string_view input, ZSTD_EndDirective mode);
  void write_out(const char* data, size_t size);

  std::filesystem::path path_;
  UniqueFd fd_;
  Handle<ZSTD_CCtx, ZSTD_freeCCtx> context_;
  std::string out_buffer_;
  uint64_t sql_bytes_ = 0;
  uint64_t file_bytes_ = 0;
  uint64_t largest_statement_ = 0;
};

// Calls `on_block` with consecutive decompressed blocks of the file.
void read_zstd_file(const std::filesystem::path& path, const std::function<void(std::string_view)>& on_block);

// Calls `on_line` with each line, without its newline (a data file holds one
// statement per line: values never contain a raw newline).
void read_zstd_lines(const std::filesystem::path& path, const std::function<void(std::string_view)>& on_line);

// The whole decompressed content (for the small DDL files).
std::string read_zstd_file(const std::filesystem::path& path);

}  // namespace civiup::snapshot::db
