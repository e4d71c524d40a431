// Store: the durable state of one data dir, in <dir>/state/:
//   snapshot   every record needed to rebuild the state as it was when
//              the snapshot was taken; its first record names its
//              generation G
//   log-G      every change since snapshot G, appended as it happens
// Open() replays the snapshot, then log-G, into an Image (image.h) for
// the services to take over, cuts off a torn or corrupt tail (with a
// warning, never a refusal to start) and appends to log-G from there.
//
// Compact() replaces both with a snapshot of the live state once the log
// grows past a bound: it writes snapshot.tmp (generation G+1), syncs it,
// renames it over the snapshot, starts log-(G+1) and removes log-G. A
// crash at any point leaves either the old snapshot and its whole log or
// the new snapshot (and a missing or empty new log): nothing is lost, and
// whatever is left over is removed at the next Open.
//
// Thread safety: none; one engine thread owns a store.
#ifndef FANLAB_EMULATOR_PERSIST_STORE_H_
#define FANLAB_EMULATOR_PERSIST_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "emulator/core/status.h"
#include "emulator/persist/image.h"
#include "emulator/persist/log_writer.h"

namespace fanlab::persist {

struct StoreOptions {
  FsyncPolicy fsync = FsyncPolicy::kNever;
  // The log is compacted once it holds more than this many bytes and more
  // than twice the last snapshot's (so a large state is not rewritten
  // for every few changes).
  uint64_t compact_bytes = uint64_t{64} << 20;
  // Where warnings go (a cut-off tail); null: standard error.
  std::function<void(const std::string&)> warn;
};

class Store {
 public:
  // Opens (creating) <dir>/state and replays it. InternalError (with the
  // path and reason) only when the folder or a file cannot be created,
  // read or written; damaged contents are cut off with a warning.
  static Result<std::unique_ptr<Store>> Open(const std::string& dir,
                                             StoreOptions options = {});
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // What the replay rebuilt. The services copy what they need; then
  // ReleaseImage() frees it.
  const Image& image() const { return image_; }
  void ReleaseImage() { image_ = Image{}; }
  // Where the services' changes go; the same writer for the store's
  // lifetime (compaction moves it to the new log file).
  LogWriter& log() { return *log_; }
  // Writes the gathered changes (LogWriter::Flush).
  Status Flush() { return log_->Flush(); }
  // LogWriter::SetOnPending.
  void SetOnPending(std::function<void()> fn);

  // The log has grown past the bound (StoreOptions::compact_bytes).
  bool ShouldCompact() const;
  // Writes a snapshot of the live state, as `dump` writes it into the
  // given writer (every record a replay needs, in order), and starts a
  // fresh log. REQUIRES: nothing gathered and unflushed (Flush first).
  // On failure the old snapshot and log stay in use.
  Status Compact(const std::function<void(LogWriter&)>& dump);
  uint64_t generation() const { return generation_; }
  const std::string& folder() const { return folder_; }

 private:
  Store(std::string folder, StoreOptions options);
  std::string LogPath(uint64_t generation) const;
  void Warn(const std::string& text) const;

  std::string folder_;
  StoreOptions options_;
  Image image_;
  uint64_t generation_ = 0;
  uint64_t snapshot_bytes_ = 0;
  std::unique_ptr<LogWriter> log_;
};

}  // namespace fanlab::persist

#endif  // FANLAB_EMULATOR_PERSIST_STORE_H_
