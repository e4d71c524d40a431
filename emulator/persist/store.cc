#include "emulator/persist/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "emulator/core/common_errors.h"
#include "emulator/persist/log_reader.h"

namespace fanlab::persist {
namespace {

namespace fs = std::filesystem;

Status Failure(const std::string& what, const std::string& path,
               const std::string& why) {
  return Status(common::kInternalError,
                "Cannot " + what + " " + path + ": " + why);
}

// Makes a rename or a new file in `folder` durable.
void SyncFolder(const std::string& folder) {
  int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

}  // namespace

Store::Store(std::string folder, StoreOptions options)
    : folder_(std::move(folder)), options_(std::move(options)) {}

std::string Store::LogPath(uint64_t generation) const {
  return folder_ + "/log-" + std::to_string(generation);
}

void Store::Warn(const std::string& text) const {
  if (options_.warn) {
    options_.warn(text);
  } else {
    std::cerr << "fanlab: warning: " << text << "\n";
  }
}

Result<std::unique_ptr<Store>> Store::Open(const std::string& dir,
                                           StoreOptions options) {
  std::string folder = dir + "/state";
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) return Failure("create", folder, ec.message());
  std::unique_ptr<Store> store(new Store(folder, std::move(options)));
  Image& image = store->image_;
  auto apply = [&image](RecordKind kind, std::string_view payload) {
    return image.Apply(kind, payload);
  };

  // The snapshot: renamed into place whole, so damage means the disk
  // lost it; what is good of it is kept.
  const std::string snapshot = folder + "/snapshot";
  auto snap = ReadLog(snapshot, apply);
  if (!snap.ok()) return snap.status();
  if (!snap->problem.empty()) {
    store->Warn(snapshot + ": " + snap->problem + " at byte " +
                std::to_string(snap->good_bytes) + " of " +
                std::to_string(snap->file_bytes) +
                "; the state after it is lost");
  }
  store->generation_ = image.generation;
  store->snapshot_bytes_ = snap->good_bytes;

  // The log of that generation; a torn or corrupt tail is cut off.
  const std::string log = store->LogPath(store->generation_);
  auto read = ReadLog(log, apply);
  if (!read.ok()) return read.status();
  if (!read->problem.empty()) {
    store->Warn(log + ": " + read->problem + " at byte " +
                std::to_string(read->good_bytes) + " of " +
                std::to_string(read->file_bytes) + "; cutting off " +
                std::to_string(read->file_bytes - read->good_bytes) + " bytes");
  }

  // Leftovers of an interrupted compaction (unless the snapshot is
  // damaged: then which log is whose is not known for sure).
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    std::string name = entry.path().filename().string();
    if (!snap->problem.empty()) break;
    if (name == "snapshot.tmp" ||
        (name.starts_with("log-") && entry.path().string() != log)) {
      fs::remove(entry.path(), ec);
    }
  }

  auto writer = LogWriter::Open(log, read->good_bytes, store->options_.fsync);
  if (!writer.ok()) return writer.status();
  store->log_ = std::move(*writer);
  return store;
}

void Store::SetOnPending(std::function<void()> fn) {
  log_->SetOnPending(std::move(fn));
}

bool Store::ShouldCompact() const {
  uint64_t size = log_->size();
  return size > options_.compact_bytes && size > 2 * snapshot_bytes_;
}

Status Store::Compact(const std::function<void(LogWriter&)>& dump) {
  const std::string tmp = folder_ + "/snapshot.tmp";
  const uint64_t next = generation_ + 1;
  uint64_t bytes = 0;
  {
    auto writer = LogWriter::Open(tmp, 0, FsyncPolicy::kNever);
    if (!writer.ok()) return writer.status();
    (*writer)->Add(RecordKind::kGeneration, GenerationRecord{next});
    dump(**writer);
    bytes = (*writer)->size();
    if (Status s = (*writer)->Flush(); !s.ok()) return s;
    if (Status s = (*writer)->Sync(); !s.ok()) return s;
  }
  // The new log exists (empty) before the snapshot that names it.
  auto fresh = LogWriter::Open(LogPath(next), 0, options_.fsync);
  if (!fresh.ok()) return fresh.status();
  if (::rename(tmp.c_str(), (folder_ + "/snapshot").c_str()) != 0) {
    return Failure("rename", tmp, std::strerror(errno));
  }
  SyncFolder(folder_);
  std::error_code ec;
  fs::remove(LogPath(generation_), ec);
  // The services hold on to log_: it moves to the new file, and the old
  // one closes with `fresh`.
  log_->SwapFile(**fresh);
  generation_ = next;
  snapshot_bytes_ = bytes;
  return Status::Ok();
}

}  // namespace fanlab::persist
