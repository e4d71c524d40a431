// The file through which function processes read the engine's virtual
// time. In a deterministic run every function process is started with
// fanlab's clock library preloaded (functions/runtimes/clock/, see its
// README) and FANLAB_CLOCK_FILE naming this file: the library maps it and
// answers the process's clock reads from it, so that a function's
// `time.time()`, `Date.now()` or `steady_clock` shows the engine's time
// rather than the machine's.
//
// Layout (4096 bytes, little-endian, as the library reads it):
//   offset  0: the magic "FLCLOCK1";
//   offset  8: int64, the virtual now in nanoseconds since the Unix epoch,
//              stored atomically (release) and only ever growing;
//   offset 16: int64, the base of the virtual CLOCK_MONOTONIC: monotonic
//              time is now - base (constant for the file's life).
//
// The file lives in a private directory under the system's temp dir
// (TMPDIR), made by Create and removed with the object.
//
// Thread safety: Set from one thread; readers in other processes see each
// store whole.
#ifndef FANLAB_EMULATOR_COMPUTE_CLOCK_FILE_H_
#define FANLAB_EMULATOR_COMPUTE_CLOCK_FILE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"

namespace fanlab::compute {

class ClockFile {
 public:
  static constexpr size_t kSize = 4096;
  static constexpr char kMagic[9] = "FLCLOCK1";

  // Makes the file, showing `now`; monotonic time starts at 1000 s (a
  // machine up for a while, as a Lambda sandbox is). Errors: Internal (the
  // directory or the file cannot be made or mapped).
  static Result<std::unique_ptr<ClockFile>> Create(TimePoint now);
  ~ClockFile();
  ClockFile(const ClockFile&) = delete;
  ClockFile& operator=(const ClockFile&) = delete;

  // Shows `now` to the readers; an earlier time than shown is ignored.
  void Set(TimePoint now);

  const std::string& path() const { return path_; }

 private:
  ClockFile(std::string dir, std::string path, void* map)
      : dir_(std::move(dir)), path_(std::move(path)), map_(map) {}

  std::string dir_;
  std::string path_;
  void* map_;
};

}  // namespace fanlab::compute

#endif  // FANLAB_EMULATOR_COMPUTE_CLOCK_FILE_H_
