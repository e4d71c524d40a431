#include "emulator/persist/log_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "emulator/core/checksum.h"
#include "emulator/core/common_errors.h"

namespace fanlab::persist {
namespace {

Status Failure(const std::string& path, const char* what) {
  return Status(common::kInternalError, "Cannot " + std::string(what) + " " +
                                            path + ": " + std::strerror(errno));
}

void PutFixed32(char* at, uint32_t v) {
  for (int i = 0; i < 4; ++i) at[i] = static_cast<char>(v >> (8 * i));
}

}  // namespace

Result<std::unique_ptr<LogWriter>> LogWriter::Open(const std::string& path,
                                                   uint64_t offset,
                                                   FsyncPolicy fsync) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Failure(path, "open");
  if (::ftruncate(fd, static_cast<off_t>(offset)) != 0 ||
      ::lseek(fd, static_cast<off_t>(offset), SEEK_SET) < 0) {
    Status s = Failure(path, "truncate");
    ::close(fd);
    return s;
  }
  return std::unique_ptr<LogWriter>(new LogWriter(path, fd, offset, fsync));
}

LogWriter::LogWriter(std::string path, int fd, uint64_t offset,
                     FsyncPolicy fsync)
    : path_(std::move(path)), fd_(fd), written_(offset), fsync_(fsync) {}

LogWriter::~LogWriter() { ::close(fd_); }

size_t LogWriter::Begin(RecordKind kind) {
  if (buffer_.empty() && on_pending_) on_pending_();
  size_t start = buffer_.size();
  buffer_.append(kFrameHeader, '\0');
  buffer_.push_back(static_cast<char>(kind));
  return start;
}

void LogWriter::End(size_t start) {
  size_t body = start + kFrameHeader;
  std::string_view framed(buffer_.data() + body, buffer_.size() - body);
  PutFixed32(&buffer_[start], static_cast<uint32_t>(framed.size()));
  PutFixed32(&buffer_[start + 4], Crc32c(framed));
}

Status LogWriter::Flush() {
  if (buffer_.empty()) return Status::Ok();
  size_t done = 0;
  while (done < buffer_.size()) {
    ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = Failure(path_, "write");
      // Never a torn record before later good ones.
      if (::ftruncate(fd_, static_cast<off_t>(written_)) == 0) {
        (void)::lseek(fd_, static_cast<off_t>(written_), SEEK_SET);
      }
      buffer_.clear();
      return s;
    }
    done += static_cast<size_t>(n);
  }
  written_ += buffer_.size();
  buffer_.clear();
  if (fsync_ == FsyncPolicy::kAlways) return Sync();
  return Status::Ok();
}

void LogWriter::SwapFile(LogWriter& other) {
  std::swap(path_, other.path_);
  std::swap(fd_, other.fd_);
  std::swap(written_, other.written_);
}

Status LogWriter::Sync() {
  if (::fdatasync(fd_) != 0) return Failure(path_, "sync");
  return Status::Ok();
}

}  // namespace fanlab::persist
