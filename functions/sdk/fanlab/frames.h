// fanlab's own process protocol, the function side (docs/functions.md):
// invocation frames on stdin, result frames on the result descriptor.
// RunFrames() is the loop; fanlab/run.h's Run() calls it when the process
// is not under the Lambda Runtime API.
//
// Thread safety: RunFrames() calls the handler on the calling thread, one
// invocation at a time.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_FRAMES_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_FRAMES_H_

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "fanlab/handler.h"
#include "fanlab/json.h"

namespace fanlab::sdk {

// The loops' return values (RunFrames, RunRuntimeApi, Run), meant as the
// process's exit status.
inline constexpr int kRunEof = 0;        // stdin closed between frames; the
                                         // Runtime API went away
inline constexpr int kRunIoError = 1;    // a read or write failed (EPIPE...)
inline constexpr int kRunMalformed = 2;  // bad frame header, truncated
                                         // event, bad FANLAB_RESULT_FD; a
                                         // Runtime API answer without a
                                         // request id or deadline
inline constexpr int kRunInitError = 3;  // the Init threw

// The protocol loop. Writes {"status":"ready"} to the result descriptor,
// then for each invocation frame read from `in_fd`, calls `handler` and
// writes one result frame (ok, or error when the handler throws) to
// `out_fd`. Returns kRunEof when `in_fd` reaches end of file between frames
// (the emulator closed stdin: cold mode, or the end of a warm process),
// kRunMalformed after a malformed frame header or an end of file inside a
// frame, kRunIoError when reading or writing fails; each but kRunEof also
// prints why on stderr. stdout and stderr (C stdio, and std::cout while it
// is synced with stdio) are flushed before each result frame, so that an
// invocation's logs precede its result. SIGPIPE is ignored from the first
// call on (a vanished reader is an EPIPE, not a death). Neither descriptor
// is closed.
inline int RunFrames(const Handler& handler, int in_fd, int out_fd);

namespace detail {

// The fields of an invocation frame's header line. requestId, deadlineMs
// and length are required; functionName and invokedFunctionArn optional.
struct InvocationHeader {
  std::string request_id;
  int64_t deadline_ms = 0;
  std::optional<int64_t> now_ms;  // the emulator's clock when it sent
  std::string function_name;
  std::string invoked_function_arn;
  uint64_t length = 0;
};

// Parses one header line (without its '\n'). On failure returns false and
// says why in `error`.
inline bool ParseInvocationHeader(std::string_view line, InvocationHeader* out,
                                  std::string* error) {
  bool has_id = false, has_deadline = false, has_length = false;
  bool negative_length = false;
  const bool read = ReadObject(
      line,
      [&](const std::string& key, JsonCursor& j) {
        if (key == "requestId") {
          has_id = true;
          return j.String(&out->request_id);
        }
        if (key == "functionName") return j.String(&out->function_name);
        if (key == "invokedFunctionArn") {
          return j.String(&out->invoked_function_arn);
        }
        if (key == "deadlineMs") {
          has_deadline = true;
          return j.Integer(&out->deadline_ms);
        }
        if (key == "nowMs") {
          int64_t now = 0;
          if (!j.Integer(&now)) return false;
          out->now_ms = now;
          return true;
        }
        if (key == "length") {
          int64_t length = 0;
          if (!j.Integer(&length)) return false;
          negative_length = length < 0;
          out->length = static_cast<uint64_t>(length);
          has_length = true;
          return !negative_length;
        }
        return j.SkipValue();  // a field this SDK does not know: ignored
      },
      error);
  if (negative_length) *error = "length is negative";
  if (!read) return false;
  const char* missing = !has_id         ? "requestId"
                        : !has_deadline ? "deadlineMs"
                        : !has_length   ? "length"
                                        : nullptr;
  if (missing == nullptr) return true;
  *error = std::string(missing) + " is missing";
  return false;
}

// Buffered reads of lines and byte counts from a descriptor.
class FdReader {
 public:
  enum class Status {
    kOk,
    kEof,        // end of file before any byte of the line or count
    kTruncated,  // end of file partway through
    kTooLong,    // a line longer than the limit
    kError,      // read() failed; errno says why
  };

  explicit FdReader(int fd) : fd_(fd) {}

  // The next line, without its '\n'.
  Status ReadLine(size_t max_bytes, std::string* line) {
    size_t scanned = 0;
    while (true) {
      const size_t nl = buffer_.find('\n', pos_ + scanned);
      if (nl != std::string::npos) {
        line->assign(buffer_, pos_, nl - pos_);
        pos_ = nl + 1;
        return Status::kOk;
      }
      scanned = buffer_.size() - pos_;
      if (scanned > max_bytes) return Status::kTooLong;
      const Status s = Fill();
      if (s == Status::kEof) {
        return scanned == 0 ? Status::kEof : Status::kTruncated;
      }
      if (s != Status::kOk) return s;
    }
  }

  // Exactly `n` bytes (memory grows as they arrive, not from `n`).
  Status ReadExact(uint64_t n, std::string* out) {
    out->clear();
    while (true) {
      const size_t take = static_cast<size_t>(
          std::min<uint64_t>(n - out->size(), buffer_.size() - pos_));
      out->append(buffer_, pos_, take);
      pos_ += take;
      if (out->size() == n) return Status::kOk;
      const Status s = Fill();
      if (s == Status::kEof) return Status::kTruncated;
      if (s != Status::kOk) return s;
    }
  }

 private:
  Status Fill() {
    buffer_.erase(0, pos_);
    pos_ = 0;
    // Read on the stack and appended: growing the buffer by a chunk would
    // zero the whole chunk at every read.
    char chunk[kChunk];
    while (true) {
      const ssize_t n = ::read(fd_, chunk, kChunk);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Status::kError;
      buffer_.append(chunk, static_cast<size_t>(n));
      return n == 0 ? Status::kEof : Status::kOk;
    }
  }

  static constexpr size_t kChunk = 16 * 1024;
  int fd_;
  std::string buffer_;
  size_t pos_ = 0;
};

// FANLAB_RESULT_FD as a descriptor (3 when unset); nullopt when it is not
// a non-negative decimal integer.
inline std::optional<int> ResultFdFromEnvironment() {
  const char* value = std::getenv("FANLAB_RESULT_FD");
  if (value == nullptr) return 3;
  const std::string_view text(value);
  int fd = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.end(), fd);
  if (text.empty() || ec != std::errc() || end != text.end() || fd < 0) {
    return std::nullopt;
  }
  return fd;
}

}  // namespace detail

inline int RunFrames(const Handler& handler, int in_fd, int out_fd) {
  ::signal(SIGPIPE, SIG_IGN);
  const auto write_failed = [](const char* what) {
    detail::Complain(std::string("cannot write ") + what +
                     " to the result descriptor: " + std::strerror(errno));
    return kRunIoError;
  };
  if (!detail::WriteAll(out_fd, "{\"status\":\"ready\"}\n")) {
    return write_failed("the ready frame");
  }
  const std::string endpoint = detail::EndpointFromEnvironment();
  // A header holds a few short fields; a longer line is not a header.
  constexpr size_t kMaxHeaderBytes = 1 << 20;
  detail::FdReader in(in_fd);
  using Status = detail::FdReader::Status;
  std::string line, event;
  while (true) {
    Status s = in.ReadLine(kMaxHeaderBytes, &line);
    if (s == Status::kEof) return kRunEof;
    if (s == Status::kError) {
      detail::Complain(std::string("cannot read stdin: ") +
                       std::strerror(errno));
      return kRunIoError;
    }
    if (s != Status::kOk) {
      detail::Complain(s == Status::kTooLong
                           ? "malformed invocation frame: a header line over " +
                                 std::to_string(kMaxHeaderBytes) + " bytes"
                           : "malformed invocation frame: stdin closed inside "
                             "the header line");
      return kRunMalformed;
    }
    detail::InvocationHeader header;
    std::string error;
    if (!detail::ParseInvocationHeader(line, &header, &error)) {
      detail::Complain("malformed invocation frame header: " + error + ": " +
                       line.substr(0, 200));
      return kRunMalformed;
    }
    s = in.ReadExact(header.length, &event);
    if (s == Status::kError) {
      detail::Complain(std::string("cannot read stdin: ") +
                       std::strerror(errno));
      return kRunIoError;
    }
    if (s != Status::kOk) {
      detail::Complain("malformed invocation frame: stdin closed after " +
                       std::to_string(event.size()) + " of " +
                       std::to_string(header.length) + " event bytes");
      return kRunMalformed;
    }

    Context ctx;
    ctx.request_id = std::move(header.request_id);
    ctx.deadline_ms = header.deadline_ms;
    if (header.now_ms) {
      ctx.emulator_now_ms = *header.now_ms;
      ctx.received = std::chrono::steady_clock::now();
    }
    ctx.function_name = std::move(header.function_name);
    ctx.invoked_function_arn = std::move(header.invoked_function_arn);
    ctx.endpoint = endpoint;

    const detail::Outcome outcome = detail::CallHandler(handler, event, ctx);
    // The invocation's logs go out before its result.
    std::fflush(stdout);
    std::fflush(stderr);
    const std::string head =
        std::string("{\"status\":\"") + (outcome.ok ? "ok" : "error") +
        "\",\"length\":" + std::to_string(outcome.payload.size()) + "}\n";
    if (!detail::WriteAll(out_fd, head) ||
        !detail::WriteAll(out_fd, outcome.payload)) {
      return write_failed("a result frame");
    }
  }
}

}  // namespace fanlab::sdk

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_FRAMES_H_
