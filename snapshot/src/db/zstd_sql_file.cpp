#include "zstd_sql_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>

#include "civiup/base/error.hpp"

namespace civiup::snapshot::db {

ZstdSqlWriter::ZstdSqlWriter(std::filesystem::path path, int level)
    : path_(std::move(path)), context_(ZSTD_createCCtx()) {
  if (!context_) fail("writing {}: cannot create a zstd context", path_.string());
  ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(context_.get(), ZSTD_c_checksumFlag, 1);
  fd_.reset(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd_) fail_errno(fmt::format("creating {}", path_.string()));
  out_buffer_.resize(ZSTD_CStreamOutSize());
}

void ZstdSqlWriter::append(std::string_view sql) {
  sql_bytes_ += sql.size();
  if (sql.size() > largest_statement_) largest_statement_ = sql.size();
  compress(sql, ZSTD_e_continue);
}

BackgroundSync::BackgroundSync() : thread_([this] { run(); }) {}

BackgroundSync::~BackgroundSync() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  work_.notify_all();
  thread_.join();
}

void BackgroundSync::sync_and_close(UniqueFd fd, std::filesystem::path path) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(std::move(fd), std::move(path));
  }
  work_.notify_one();
}

void BackgroundSync::wait() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return (queue_.empty() && !busy_) || !error_.empty(); });
  if (!error_.empty()) throw Error(error_);
}

void BackgroundSync::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    auto [fd, path] = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    std::string failure;
    if (::fsync(fd.get()) != 0) failure = fmt::format("syncing {}: {}", path.string(), std::strerror(errno));
    if (int error = fd.close(); error != 0 && failure.empty())
      failure = fmt::format("closing {}: {}", path.string(), std::strerror(error));
    lock.lock();
    busy_ = false;
    if (!failure.empty() && error_.empty()) error_ = failure;
    idle_.notify_all();
  }
}

void ZstdSqlWriter::finish(BackgroundSync* sync) {
  compress({}, ZSTD_e_end);
  if (sync != nullptr) {
    sync->sync_and_close(std::move(fd_), path_);
    return;
  }
  // Each file durable before the manifest that lists it is committed.  Per file,
  // not syncfs: that would also flush whatever else the filesystem holds (the
  // server's own datadir, often).
  if (::fsync(fd_.get()) != 0) fail_errno(fmt::format("syncing {}", path_.string()));
  if (int error = fd_.close(); error != 0) fail_errno(fmt::format("closing {}", path_.string()), error);
}

void ZstdSqlWriter::compress(std::string_view input, ZSTD_EndDirective mode) {
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  for (;;) {
    ZSTD_outBuffer out{out_buffer_.data(), out_buffer_.size(), 0};
    size_t remaining = ZSTD_compressStream2(context_.get(), &out, &in, mode);
    if (ZSTD_isError(remaining)) fail("compressing {}: {}", path_.string(), ZSTD_getErrorName(remaining));
    write_out(out_buffer_.data(), out.pos);
    bool done = mode == ZSTD_e_end ? remaining == 0 : in.pos == in.size;
    if (done) return;
  }
}

void ZstdSqlWriter::write_out(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd_.get(), data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(fmt::format("writing {}", path_.string()));
    }
    data += n;
    size -= static_cast<size_t>(n);
    file_bytes_ += static_cast<uint64_t>(n);
  }
}

void read_zstd_file(const std::filesystem::path& path, const std::function<void(std::string_view)>& on_block) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) fail_errno(fmt::format("opening {}", path.string()));
  Handle<ZSTD_DCtx, ZSTD_freeDCtx> context(ZSTD_createDCtx());
  std::string in_buffer(ZSTD_DStreamInSize(), '\0');
  std::string out_buffer(ZSTD_DStreamOutSize(), '\0');
  size_t last = 0;
  for (;;) {
    ssize_t n = ::read(fd.get(), in_buffer.data(), in_buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(fmt::format("reading {}", path.string()));
    }
    if (n == 0) break;
    ZSTD_inBuffer in{in_buffer.data(), static_cast<size_t>(n), 0};
    while (in.pos < in.size) {
      ZSTD_outBuffer out{out_buffer.data(), out_buffer.size(), 0};
      last = ZSTD_decompressStream(context.get(), &out, &in);
      if (ZSTD_isError(last)) fail("decompressing {}: {}", path.string(), ZSTD_getErrorName(last));
      if (out.pos > 0) on_block(std::string_view(out_buffer.data(), out.pos));
    }
  }
  if (last != 0) fail("decompressing {}: the file is truncated", path.string());
}

std::string read_zstd_file(const std::filesystem::path& path) {
  std::string content;
  read_zstd_file(path, [&](std::string_view block) { content.append(block); });
  return content;
}

void read_zstd_lines(const std::filesystem::path& path, const std::function<void(std::string_view)>& on_line) {
  std::string pending;
  read_zstd_file(path, [&](std::string_view block) {
    size_t start = 0;
    for (;;) {
      size_t end = block.find('\n', start);
      if (end == std::string_view::npos) break;
      if (pending.empty()) {
        on_line(block.substr(start, end - start));
      } else {
        pending.append(block.substr(start, end - start));
        on_line(pending);
        pending.clear();
      }
      start = end + 1;
    }
    pending.append(block.substr(start));
  });
  if (!pending.empty()) on_line(pending);
}

}  // namespace civiup::snapshot::db
