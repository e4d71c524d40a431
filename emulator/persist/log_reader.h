// LogReader: reads the framed records (record.h) of one file, in order,
// checking each one's length and CRC32C. It stops at the first record
// that is torn (the file ends inside it: a crash mid-write) or corrupt
// (a checksum or length that does not hold, an unknown kind, a payload
// its consumer cannot decode), and says where: everything before that
// point is good, everything from it on is to be cut off.
//
// Thread safety: none needed (one call, one file).
#ifndef FANLAB_EMULATOR_PERSIST_LOG_READER_H_
#define FANLAB_EMULATOR_PERSIST_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "emulator/core/status.h"
#include "emulator/persist/record.h"

namespace fanlab::persist {

struct LogReadResult {
  uint64_t records = 0;     // good records read
  uint64_t good_bytes = 0;  // where the good records end
  uint64_t file_bytes = 0;  // the file's length
  // Why reading stopped before the end of the file ("a torn record",
  // "a checksum mismatch", ...); empty when every byte was good.
  std::string problem;
};

// Calls `consume(kind, payload)` for every good record of `path`, in
// order; `consume` returns false for a payload it cannot decode (which
// counts as corruption there). A missing file reads as empty.
// InternalError only when the file exists and cannot be read.
Result<LogReadResult> ReadLog(
    const std::string& path,
    const std::function<bool(RecordKind, std::string_view)>& consume);

}  // namespace fanlab::persist

#endif  // FANLAB_EMULATOR_PERSIST_LOG_READER_H_
