// LogWriter: appends framed records (record.h) to one file. Records are
// gathered in memory and written with one write(2) per Flush(): the
// engine flushes once per loop turn, before the answers of that turn are
// sent, so an acknowledged change has reached the OS (it survives the
// process being killed) and, under FsyncPolicy::kAlways, the disk (it
// survives a power loss).
//
// A failed write leaves the file as it was before the flush (truncated
// back to its last good length) and drops the records gathered since:
// the file never holds a torn record followed by good ones.
//
// Thread safety: none; one engine thread owns a writer.
#ifndef FANLAB_EMULATOR_PERSIST_LOG_WRITER_H_
#define FANLAB_EMULATOR_PERSIST_LOG_WRITER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "emulator/core/status.h"
#include "emulator/persist/record.h"

namespace fanlab::persist {

enum class FsyncPolicy {
  kNever,   // write(2) before the acknowledgement: survives kill -9
  kAlways,  // fdatasync(2) too: survives a power loss
};

class LogWriter {
 public:
  // Opens (creating) `path` for appending after its first `offset` bytes;
  // whatever follows them (a torn tail) is cut off. InternalError naming
  // the path and the reason when the file cannot be opened.
  static Result<std::unique_ptr<LogWriter>> Open(const std::string& path,
                                                 uint64_t offset,
                                                 FsyncPolicy fsync);
  // Writes nothing: records not flushed are lost, as in a crash.
  ~LogWriter();
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Gathers one record for the next Flush().
  template <typename R>
  void Add(RecordKind kind, const R& record) {
    size_t start = Begin(kind);
    EncodePayload(record, buffer_);
    End(start);
  }

  // Writes what was gathered in one write(2) (and syncs under kAlways).
  // InternalError with the path and errno's text on failure.
  Status Flush();
  // fdatasync(2) now, whatever the policy (a snapshot before it is
  // renamed into place).
  Status Sync();
  // Records gathered and not yet flushed.
  bool pending() const { return !buffer_.empty(); }
  // Bytes in the file, and gathered.
  uint64_t size() const { return written_ + buffer_.size(); }
  const std::string& path() const { return path_; }
  // Goes on in `other`'s file (a new log after a snapshot) and leaves
  // `other` this one's: writers handed out stay valid. REQUIRES: neither
  // has records pending.
  void SwapFile(LogWriter& other);
  // Runs when the first record is gathered after a flush (the engine
  // schedules the flush of its loop turn).
  void SetOnPending(std::function<void()> fn) { on_pending_ = std::move(fn); }

 private:
  LogWriter(std::string path, int fd, uint64_t offset, FsyncPolicy fsync);
  size_t Begin(RecordKind kind);
  void End(size_t start);

  std::string path_;
  int fd_;
  uint64_t written_;
  FsyncPolicy fsync_;
  std::string buffer_;
  std::function<void()> on_pending_;
};

}  // namespace fanlab::persist

#endif  // FANLAB_EMULATOR_PERSIST_LOG_WRITER_H_
