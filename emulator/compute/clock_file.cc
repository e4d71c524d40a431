#include "emulator/compute/clock_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "emulator/core/common_errors.h"

namespace fanlab::compute {

namespace {

constexpr size_t kNowOffset = 8;
constexpr size_t kBaseOffset = 16;
constexpr int64_t kMonotonicStartNs = 1000'000'000'000;  // 1000 s

int64_t EpochNanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             t.time_since_epoch())
      .count();
}

int64_t* Slot(void* map, size_t offset) {
  return reinterpret_cast<int64_t*>(static_cast<char*>(map) + offset);
}

Status Failed(const std::string& what) {
  return Status(common::kInternalError,
                "cannot make the function clock file: " + what + ": " +
                    std::strerror(errno));
}

}  // namespace

Result<std::unique_ptr<ClockFile>> ClockFile::Create(TimePoint now) {
  std::error_code ec;
  std::filesystem::path tmp = std::filesystem::temp_directory_path(ec);
  if (ec) tmp = "/tmp";
  std::string pattern = (tmp / "fanlab-clock-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return Failed(pattern);
  std::string dir = pattern;
  std::string path = dir + "/clock";
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    Status s = Failed(path);
    rmdir(dir.c_str());
    return s;
  }
  void* map = MAP_FAILED;
  if (ftruncate(fd, kSize) == 0) {
    map = mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  }
  Status failed = map == MAP_FAILED ? Failed(path) : Status::Ok();
  close(fd);
  if (!failed.ok()) {
    unlink(path.c_str());
    rmdir(dir.c_str());
    return failed;
  }
  std::memcpy(map, kMagic, 8);
  int64_t now_ns = EpochNanos(now);
  *Slot(map, kBaseOffset) = now_ns - kMonotonicStartNs;
  __atomic_store_n(Slot(map, kNowOffset), now_ns, __ATOMIC_RELEASE);
  return std::unique_ptr<ClockFile>(
      new ClockFile(std::move(dir), std::move(path), map));
}

ClockFile::~ClockFile() {
  munmap(map_, kSize);
  unlink(path_.c_str());
  rmdir(dir_.c_str());
}

void ClockFile::Set(TimePoint now) {
  int64_t now_ns = EpochNanos(now);
  int64_t* slot = Slot(map_, kNowOffset);
  if (now_ns <= __atomic_load_n(slot, __ATOMIC_RELAXED)) return;
  __atomic_store_n(slot, now_ns, __ATOMIC_RELEASE);
}

}  // namespace fanlab::compute
