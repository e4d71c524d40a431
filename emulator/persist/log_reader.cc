#include "emulator/persist/log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "emulator/core/checksum.h"
#include "emulator/core/common_errors.h"

namespace fanlab::persist {
namespace {

uint32_t GetFixed32(const char* at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= uint32_t{static_cast<uint8_t>(at[i])} << (8 * i);
  }
  return v;
}

Status Failure(const std::string& path, const char* what) {
  return Status(common::kInternalError, "Cannot " + std::string(what) + " " +
                                            path + ": " + std::strerror(errno));
}

}  // namespace

Result<LogReadResult> ReadLog(
    const std::string& path,
    const std::function<bool(RecordKind, std::string_view)>& consume) {
  LogReadResult result;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return result;
    return Failure(path, "open");
  }
  std::string data;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    data.reserve(static_cast<size_t>(st.st_size));
  }
  char chunk[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Failure(path, "read");
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    data.append(chunk, static_cast<size_t>(n));
  }
  ::close(fd);
  result.file_bytes = data.size();

  size_t at = 0;
  while (at < data.size()) {
    if (data.size() - at < kFrameHeader + 1) {
      result.problem = "a torn record header";
      break;
    }
    uint32_t length = GetFixed32(&data[at]);
    uint32_t crc = GetFixed32(&data[at + 4]);
    if (length == 0 || length > kMaxRecordBytes) {
      result.problem = "an impossible record length";
      break;
    }
    if (data.size() - at - kFrameHeader < length) {
      result.problem = "a torn record";
      break;
    }
    std::string_view framed(&data[at + kFrameHeader], length);
    if (Crc32c(framed) != crc) {
      result.problem = "a checksum mismatch";
      break;
    }
    uint8_t kind = static_cast<uint8_t>(framed[0]);
    if (kind == 0 || kind > kMaxRecordKind) {
      result.problem = "an unknown record kind";
      break;
    }
    if (!consume(static_cast<RecordKind>(kind), framed.substr(1))) {
      result.problem = "a record that does not decode";
      break;
    }
    at += kFrameHeader + length;
    ++result.records;
  }
  result.good_bytes = at;
  return result;
}

}  // namespace fanlab::persist
