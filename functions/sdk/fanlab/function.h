// fanlab's C++ function SDK: the function side of the process protocol in
// docs/functions.md, header-only.
//
//   #include <fanlab/function.h>
//
//   int main() {
//     return fanlab::sdk::Run([](const std::string& event,
//                                const fanlab::sdk::Context& ctx) {
//       if (ctx.RemainingTimeMs() < 100) throw fanlab::sdk::Error("Late", "");
//       return event;  // the result: a JSON text
//     });
//   }
//
// Building: C++20, with functions/sdk on the include path (CMake: link the
// `fanlab_sdk` target). Run() and HttpRequest() (an HTTP/1.1 client for
// callbacks, on POSIX sockets) need nothing but the C library. Client
// speaks ZeroMQ through cppzmq's <zmq.hpp>: a function that uses Client
// links libzmq (-lzmq; the `fanlab_sdk` target does it); one that does not
// still needs the header installed but not the library.
//
// Thread safety: Run() calls the handler on the calling thread, one
// invocation at a time. A Client belongs to one thread at a time.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_FUNCTION_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_FUNCTION_H_

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>
#include <zmq.hpp>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define FANLAB_SDK_HAS_CXXABI 1
#endif

namespace fanlab::sdk {

// What the handler knows about the invocation it is serving.
struct Context {
  std::string request_id;
  // The deadline in milliseconds since the Unix epoch, on the emulator's
  // clock (virtual or real).
  int64_t deadline_ms = 0;
  std::string function_name;
  std::string invoked_function_arn;
  // FANLAB_ENDPOINT: the emulator's ZeroMQ endpoint, for Client. Empty when
  // the variable is not set.
  std::string endpoint;

  // The emulator's clock when it sent the frame (its `nowMs`), and when
  // the frame arrived here. The emulator's clock runs at real speed while
  // a function runs, so its "now" is emulator_now_ms plus the time since
  // `received`, exact on the virtual clock too.
  std::optional<int64_t> emulator_now_ms;
  std::chrono::steady_clock::time_point received;

  // Milliseconds left before the deadline; negative once it has passed.
  int64_t RemainingTimeMs() const {
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    if (emulator_now_ms) {
      auto elapsed = duration_cast<milliseconds>(
          std::chrono::steady_clock::now() - received);
      return deadline_ms - (*emulator_now_ms + elapsed.count());
    }
    const auto now = duration_cast<milliseconds>(
        std::chrono::system_clock::now().time_since_epoch());
    return deadline_ms - static_cast<int64_t>(now.count());
  }
};

// Thrown by a handler to fail the invocation with an error frame whose
// errorType and errorMessage are these. Any other std::exception fails it
// with errorType = the exception's type name ("std::runtime_error") and
// errorMessage = what(); anything else thrown, with "UnknownError".
class Error : public std::exception {
 public:
  Error(std::string type, std::string message)
      : type_(std::move(type)), message_(std::move(message)) {}

  const std::string& type() const noexcept { return type_; }
  const std::string& message() const noexcept { return message_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string type_;
  std::string message_;
};

// Takes the event (a JSON text, passed through unchecked) and returns the
// result, a JSON text (written unchecked: the emulator validates it).
using Handler =
    std::function<std::string(const std::string& event, const Context& ctx)>;

// Run()'s return values, meant as the process's exit status.
inline constexpr int kRunEof = 0;        // stdin closed between frames
inline constexpr int kRunIoError = 1;    // a read or write failed (EPIPE...)
inline constexpr int kRunMalformed = 2;  // bad frame header, truncated
                                         // event, bad FANLAB_RESULT_FD

// `s` as a JSON string literal, quotes included: `"`, `\` and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, so that the output
// is always valid JSON.
inline std::string JsonString(std::string_view s);

// `bytes` in standard base64 with padding: what PutObject's Body and
// binary attribute values carry.
inline std::string Base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) |
                       (uint32_t(uint8_t(bytes[i + 1])) << 8) |
                       uint8_t(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) {
      out += kAlphabet[(n >> shift) & 63];
    }
  }
  if (i < bytes.size()) {
    const bool two = i + 1 < bytes.size();
    const uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) |
                       (two ? uint32_t(uint8_t(bytes[i + 1])) << 8 : 0);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += two ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

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
inline int Run(Handler handler, int in_fd, int out_fd);

// Run(handler, 0, result descriptor): the descriptor is FANLAB_RESULT_FD
// (3 when unset). What a function's main() returns.
inline int Run(Handler handler);

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

// A recursive-descent reader of one JSON text, just enough for the header
// line: strings and integers are decoded, any other value is checked and
// skipped. Errors name the byte offset.
class JsonCursor {
 public:
  explicit JsonCursor(std::string_view text) : s_(text) {}

  size_t pos() const { return i_; }
  const std::string& error() const { return error_; }

  void SkipWhitespace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' ||
                              s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool AtEnd() const { return i_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[i_]; }
  bool Consume(char c) {
    SkipWhitespace();
    if (Peek() != c) return false;
    ++i_;
    return true;
  }
  bool Fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at byte " + std::to_string(i_);
    return false;
  }

  // A string value, unescaped into UTF-8 (a lone surrogate becomes U+FFFD).
  bool String(std::string* out) {
    SkipWhitespace();
    if (Peek() != '"') return Fail("expected a string");
    ++i_;
    out->clear();
    while (true) {
      if (AtEnd()) return Fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return Fail("control character in a string");
      if (c != '\\') {
        out->push_back(static_cast<char>(c));
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size()) return Fail("unterminated escape");
      const char e = s_[i_ + 1];
      i_ += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out->push_back(e);
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp = 0;
          if (!Hex4(&cp)) return false;
          if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(i_, 2) == "\\u") {
            const size_t save = i_;
            i_ += 2;
            uint32_t low = 0;
            if (!Hex4(&low)) return false;
            if (low >= 0xDC00 && low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              i_ = save;  // not a pair: the next escape stands alone
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // lone surrogate
          AppendUtf8(cp, out);
          break;
        }
        default:
          i_ -= 2;
          return Fail("invalid escape");
      }
    }
  }

  // An integer value: -?(0|[1-9][0-9]*), no fraction or exponent, in range.
  bool Integer(int64_t* out) {
    SkipWhitespace();
    const size_t start = i_;
    if (Peek() == '-') ++i_;
    if (Peek() == '0') {
      ++i_;
    } else if (Peek() >= '1' && Peek() <= '9') {
      while (Peek() >= '0' && Peek() <= '9') ++i_;
    } else {
      i_ = start;
      return Fail("expected an integer");
    }
    if (Peek() == '.' || Peek() == 'e' || Peek() == 'E') {
      i_ = start;
      return Fail("expected an integer");
    }
    const auto [end, ec] =
        std::from_chars(s_.data() + start, s_.data() + i_, *out);
    if (ec != std::errc() || end != s_.data() + i_) {
      i_ = start;
      return Fail("integer out of range");
    }
    return true;
  }

  // Checks and skips any JSON value.
  bool SkipValue(int depth = 0) {
    if (depth > 64) return Fail("nested too deeply");
    SkipWhitespace();
    const char c = Peek();
    if (c == '"') {
      std::string ignored;
      return String(&ignored);
    }
    if (c == '{' || c == '[') {
      const char close = c == '{' ? '}' : ']';
      ++i_;
      if (Consume(close)) return true;
      do {
        if (c == '{') {
          std::string key;
          if (!String(&key)) return false;
          if (!Consume(':')) return Fail("expected ':'");
        }
        if (!SkipValue(depth + 1)) return false;
      } while (Consume(','));
      return Consume(close) ||
             Fail(std::string("expected ',' or '") + close + "'");
    }
    for (std::string_view word : {"true", "false", "null"}) {
      if (s_.substr(i_, word.size()) == word) {
        i_ += word.size();
        return true;
      }
    }
    return Number();
  }

 private:
  bool Hex4(uint32_t* out) {
    if (i_ + 4 > s_.size()) return Fail("short \\u escape");
    *out = 0;
    for (int k = 0; k < 4; ++k) {
      const char h = s_[i_];
      uint32_t v;
      if (h >= '0' && h <= '9') {
        v = static_cast<uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        v = static_cast<uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        v = static_cast<uint32_t>(h - 'A' + 10);
      } else {
        return Fail("bad hex digit in \\u escape");
      }
      *out = *out * 16 + v;
      ++i_;
    }
    return true;
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool Number() {
    const auto digits = [this] {
      const size_t start = i_;
      while (Peek() >= '0' && Peek() <= '9') ++i_;
      return i_ > start;
    };
    if (Peek() == '-') ++i_;
    if (Peek() == '0') {
      ++i_;
    } else if (!(Peek() >= '1' && Peek() <= '9') || !digits()) {
      return Fail("expected a value");
    }
    if (Peek() == '.') {
      ++i_;
      if (!digits()) return Fail("expected a digit");
    }
    if (Peek() == 'e' || Peek() == 'E') {
      ++i_;
      if (Peek() == '+' || Peek() == '-') ++i_;
      if (!digits()) return Fail("expected a digit");
    }
    return true;
  }

  std::string_view s_;
  size_t i_ = 0;
  std::string error_;
};

// Parses one header line (without its '\n'). On failure returns false and
// says why in `error`.
inline bool ParseInvocationHeader(std::string_view line, InvocationHeader* out,
                                  std::string* error) {
  JsonCursor j(line);
  bool has_id = false, has_deadline = false, has_length = false;
  const auto fail = [&](const std::string& why) {
    *error = why.empty() ? j.error() : why;
    return false;
  };
  if (!j.Consume('{')) return fail("expected a JSON object");
  if (!j.Consume('}')) {
    do {
      std::string key;
      if (!j.String(&key)) return fail("");
      if (!j.Consume(':')) {
        j.Fail("expected ':'");
        return fail("");
      }
      bool ok;
      if (key == "requestId") {
        ok = j.String(&out->request_id);
        has_id = true;
      } else if (key == "functionName") {
        ok = j.String(&out->function_name);
      } else if (key == "invokedFunctionArn") {
        ok = j.String(&out->invoked_function_arn);
      } else if (key == "deadlineMs") {
        ok = j.Integer(&out->deadline_ms);
        has_deadline = true;
      } else if (key == "nowMs") {
        int64_t now = 0;
        ok = j.Integer(&now);
        out->now_ms = now;
      } else if (key == "length") {
        int64_t length = 0;
        ok = j.Integer(&length);
        if (ok && length < 0) return fail("length is negative");
        out->length = static_cast<uint64_t>(length);
        has_length = true;
      } else {
        ok = j.SkipValue();  // a field this SDK does not know: ignored
      }
      if (!ok) return fail(j.error() + " (field " + key + ")");
    } while (j.Consume(','));
    if (!j.Consume('}')) {
      j.Fail("expected ',' or '}'");
      return fail("");
    }
  }
  j.SkipWhitespace();
  if (!j.AtEnd()) {
    j.Fail("trailing characters after the object");
    return fail("");
  }
  if (!has_id) return fail("requestId is missing");
  if (!has_deadline) return fail("deadlineMs is missing");
  if (!has_length) return fail("length is missing");
  return true;
}

// Writes all of `data`, through partial writes and EINTR.
inline bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
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
    const size_t old = buffer_.size();
    buffer_.resize(old + kChunk);
    while (true) {
      const ssize_t n = ::read(fd_, buffer_.data() + old, kChunk);
      if (n < 0 && errno == EINTR) continue;
      buffer_.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
      if (n < 0) return Status::kError;
      return n == 0 ? Status::kEof : Status::kOk;
    }
  }

  static constexpr size_t kChunk = 64 * 1024;
  int fd_;
  std::string buffer_;
  size_t pos_ = 0;
};

// "std::runtime_error" for a std::runtime_error (demangled where the ABI
// allows, the implementation's name otherwise).
inline std::string TypeName(const std::type_info& type) {
#ifdef FANLAB_SDK_HAS_CXXABI
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  if (status == 0 && demangled != nullptr) {
    std::string name(demangled);
    std::free(demangled);
    return name;
  }
  std::free(demangled);
#endif
  return type.name();
}

inline std::string ErrorPayload(std::string_view type,
                                std::string_view message) {
  return "{\"errorType\":" + JsonString(type) +
         ",\"errorMessage\":" + JsonString(message) + "}";
}

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

inline void Complain(const std::string& what) {
  const std::string line = "fanlab sdk: " + what + "\n";
  WriteAll(STDERR_FILENO, line);
}

}  // namespace detail

inline std::string JsonString(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 2);
  out.push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20) {
            out += "\\u00";
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A multi-byte sequence: copied when it is well-formed UTF-8 (shortest
    // form, no surrogates, at most U+10FFFF), else one byte is replaced.
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07, min = 0x10000;
    }
    bool valid = len != 0 && i + len <= s.size();
    for (size_t k = 1; valid && k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      valid = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    valid =
        valid && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (valid) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  out.push_back('"');
  return out;
}

inline int Run(Handler handler, int in_fd, int out_fd) {
  ::signal(SIGPIPE, SIG_IGN);
  const auto write_failed = [](const char* what) {
    detail::Complain(std::string("cannot write ") + what +
                     " to the result descriptor: " + std::strerror(errno));
    return kRunIoError;
  };
  if (!detail::WriteAll(out_fd, "{\"status\":\"ready\"}\n")) {
    return write_failed("the ready frame");
  }
  const char* endpoint = std::getenv("FANLAB_ENDPOINT");
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
    ctx.endpoint = endpoint != nullptr ? endpoint : "";

    bool ok = false;
    std::string payload;
    try {
      payload = handler(event, ctx);
      ok = true;
    } catch (const Error& e) {
      payload = detail::ErrorPayload(e.type(), e.message());
    } catch (const std::exception& e) {
      payload = detail::ErrorPayload(detail::TypeName(typeid(e)), e.what());
    } catch (...) {
      payload = detail::ErrorPayload(
          "UnknownError", "The handler threw something not a std::exception");
    }
    // The invocation's logs go out before its result.
    std::fflush(stdout);
    std::fflush(stderr);
    const std::string head =
        std::string("{\"status\":\"") + (ok ? "ok" : "error") +
        "\",\"length\":" + std::to_string(payload.size()) + "}\n";
    if (!detail::WriteAll(out_fd, head) || !detail::WriteAll(out_fd, payload)) {
      return write_failed("a result frame");
    }
  }
}

inline int Run(Handler handler) {
  const std::optional<int> out_fd = detail::ResultFdFromEnvironment();
  if (!out_fd) {
    detail::Complain(std::string("FANLAB_RESULT_FD is not a descriptor: ") +
                     std::getenv("FANLAB_RESULT_FD"));
    return kRunMalformed;
  }
  return Run(std::move(handler), STDIN_FILENO, *out_fd);
}

// Calls the emulator's actions (CreateQueue, SendMessage, ...; the bodies
// of docs/protocol.md) over a ZeroMQ DEALER socket. Owns its ZeroMQ
// context. Not copyable; movable.
class Client {
 public:
  struct Reply {
    bool ok = false;   // the status frame was "ok"; else body is an error
    std::string body;  // JSON
  };

  // Connects to `endpoint` (default: FANLAB_ENDPOINT). Throws Error
  // ("InvalidEndpoint") when the endpoint is empty, zmq::error_t when
  // ZeroMQ refuses it.
  explicit Client(const std::string& endpoint = EndpointFromEnvironment())
      : socket_(context_, zmq::socket_type::dealer) {
    if (endpoint.empty()) {
      throw Error("InvalidEndpoint",
                  "No endpoint to call: FANLAB_ENDPOINT is not set");
    }
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
  }

  // Sends [request-id][action][json_body] and waits for the reply bearing
  // the same id (a late reply to an earlier call is skipped). Reply::ok is
  // false with the emulator's error body when it answered "error", and
  // with {"__type":"com.amazonaws.sqs#InternalError","message":...} when
  // no answer came within `timeout_ms`.
  Reply Call(const std::string& action, const std::string& json_body,
             int timeout_ms = 30000) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(timeout_ms);
    const std::string id = std::to_string(next_id_++);
    socket_.set(zmq::sockopt::sndtimeo, timeout_ms < 0 ? 0 : timeout_ms);
    if (!socket_.send(zmq::buffer(id), zmq::send_flags::sndmore) ||
        !socket_.send(zmq::buffer(action), zmq::send_flags::sndmore) ||
        !socket_.send(zmq::buffer(json_body), zmq::send_flags::none)) {
      return NoAnswer(action, timeout_ms);
    }
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      zmq_pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      const int ready = zmq_poll(
          &item, 1, left.count() > 0 ? static_cast<long>(left.count()) : 0);
      if (ready < 0 && zmq_errno() == EINTR) continue;
      if (ready < 0) throw zmq::error_t();
      if (ready == 0) return NoAnswer(action, timeout_ms);
      // One reply: [request-id][status][body]; any other shape is skipped.
      std::string frames[3];
      const size_t count = ReceiveFrames(frames);
      if (count == 3 && frames[0] == id) {
        return Reply{frames[1] == "ok", std::move(frames[2])};
      }
    }
  }

  // Calls `action` once per body, pipelined: up to `window` requests are in
  // flight at once on this socket (replies matched by id, in any order),
  // so that a fan-out of thousands of calls costs one round trip per
  // window, not per call. Returns the replies in the order of `bodies`,
  // each as Call() would give it. When no reply at all arrives for
  // `timeout_ms`, every call still unanswered gets Call()'s InternalError
  // reply. REQUIRES: window >= 1 (0 is taken as 1); keep it well under
  // ZeroMQ's high-water mark (1000 messages), so that sends never block.
  std::vector<Reply> CallAll(const std::string& action,
                             const std::vector<std::string>& bodies,
                             size_t window = 256, int timeout_ms = 30000) {
    const size_t n = bodies.size();
    std::vector<Reply> replies(n);
    std::vector<bool> answered(n, false);
    const uint64_t first_id = next_id_;
    next_id_ += n;
    window = std::max<size_t>(window, 1);
    socket_.set(zmq::sockopt::sndtimeo, timeout_ms < 0 ? 0 : timeout_ms);
    size_t sent = 0, done = 0;
    const auto finish = [&](size_t i, Reply reply) {
      if (answered[i]) return;
      replies[i] = std::move(reply);
      answered[i] = true;
      ++done;
    };
    while (done < n) {
      while (sent < n && sent - done < window) {
        const std::string id = std::to_string(first_id + sent);
        if (!socket_.send(zmq::buffer(id), zmq::send_flags::sndmore) ||
            !socket_.send(zmq::buffer(action), zmq::send_flags::sndmore) ||
            !socket_.send(zmq::buffer(bodies[sent]), zmq::send_flags::none)) {
          finish(sent, NoAnswer(action, timeout_ms));
        }
        ++sent;
      }
      if (done == n) break;
      zmq_pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      const int ready = zmq_poll(&item, 1, timeout_ms < 0 ? 0 : timeout_ms);
      if (ready < 0 && zmq_errno() == EINTR) continue;
      if (ready < 0) throw zmq::error_t();
      if (ready == 0) {  // no progress for timeout_ms: give up on the rest
        for (size_t i = 0; i < n; ++i) finish(i, NoAnswer(action, timeout_ms));
        break;
      }
      // Every reply waiting: [request-id][status][body]; other shapes, and
      // late replies to earlier calls, are skipped.
      while (true) {
        std::string frames[3];
        const size_t count = ReceiveFrames(frames);
        if (count == 0) break;
        uint64_t id = 0;
        const auto [end, ec] = std::from_chars(
            frames[0].data(), frames[0].data() + frames[0].size(), id);
        if (count == 3 && ec == std::errc() &&
            end == frames[0].data() + frames[0].size() && id >= first_id &&
            id - first_id < sent) {
          finish(static_cast<size_t>(id - first_id),
                 Reply{frames[1] == "ok", std::move(frames[2])});
        }
      }
    }
    return replies;
  }

  static std::string EndpointFromEnvironment() {
    const char* value = std::getenv("FANLAB_ENDPOINT");
    return value != nullptr ? value : "";
  }

 private:
  // Receives one waiting message without blocking: its first three frames
  // into `frames`, and how many frames it had (0: none was waiting).
  size_t ReceiveFrames(std::string (&frames)[3]) {
    zmq::message_t part;
    size_t count = 0;
    do {
      if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;
      if (count < 3) frames[count] = part.to_string();
      ++count;
    } while (part.more());
    return count;
  }

  static Reply NoAnswer(const std::string& action, int timeout_ms) {
    return Reply{false,
                 "{\"__type\":\"com.amazonaws.sqs#InternalError\","
                 "\"message\":" +
                     JsonString("No answer to " + action + " within " +
                                std::to_string(timeout_ms) + " ms.") +
                     "}"};
  }

  zmq::context_t context_;
  zmq::socket_t socket_;
  uint64_t next_id_ = 1;
};

// The process's one Client (FANLAB_ENDPOINT), made on first use and kept
// for the warm invocations that follow: connecting once per process, not
// once per call.
inline Client& SharedClient() {
  static Client client;
  return client;
}

// The environment variable `name`, or `fallback` when it is unset or empty.
inline std::string EnvOr(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : fallback;
}

// The environment variable `name`; throws Error("MissingConfiguration")
// naming it when it is unset or empty.
inline std::string RequiredEnv(const char* name) {
  std::string v = EnvOr(name);
  if (v.empty()) {
    throw Error(
        "MissingConfiguration",
        std::string("The environment variable ") + name + " is not set");
  }
  return v;
}

// The error type of an emulator error body without its namespace
// ("QueueDoesNotExist" from {"__type": "com.amazonaws.sqs#QueueDoesNotExist",
// ...}), or `fallback` when the body has none.
inline std::string ErrorTypeOf(std::string_view body,
                               std::string fallback = "") {
  size_t key = body.find("\"__type\"");
  if (key == std::string_view::npos) return fallback;
  size_t open = body.find('"', body.find(':', key + 8));
  if (open == std::string_view::npos) return fallback;
  size_t close = body.find('"', open + 1);
  if (close == std::string_view::npos) return fallback;
  std::string_view type = body.substr(open + 1, close - open - 1);
  size_t hash = type.rfind('#');
  if (hash != std::string_view::npos) type = type.substr(hash + 1);
  return type.empty() ? fallback : std::string(type);
}

namespace detail {
// ASCII case-insensitive equality (HTTP field names).
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace detail

// The answer to HttpRequest(): a response (any status, 4xx and 5xx
// included), or why there is none.
struct HttpResult {
  int status = 0;  // the response's status code; 0 when there is none
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;                                          // de-chunked
  std::string error;  // why there is no response; "" when there is one

  bool ok() const { return error.empty(); }
  // The value of the first header named `name` (case-insensitively), or "".
  std::string Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (detail::EqualsIgnoreCase(k, name)) return v;
    }
    return "";
  }
};

// Sends one HTTP/1.1 request and waits for the answer, with plain POSIX
// sockets (no library): `url` is "http://host[:port][/path][?query]"
// (http only; host a name, an IPv4 address or a bracketed IPv6 one),
// `headers` are added as given (Host, Content-Length and Connection are
// set here), `timeout_ms` bounds the connect, the send and the whole
// reply (name resolution excepted: getaddrinfo cannot be bounded). One
// connection per request (Connection: close). A reply body over 64 MiB is
// an error. Never throws; SIGPIPE is not raised (MSG_NOSIGNAL).
//
// A function gets the URL to call in its event (a callback URL, a sink's
// URL) or its environment; keep timeout_ms under ctx.RemainingTimeMs().
inline HttpResult HttpRequest(
    const std::string& method, const std::string& url,
    const std::string& body = "",
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    int timeout_ms = 10000);

// HttpRequest("POST", url, body, headers, timeout_ms).
inline HttpResult HttpPost(
    const std::string& url, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers = {},
    int timeout_ms = 10000) {
  return HttpRequest("POST", url, body, headers, timeout_ms);
}

namespace detail {

// An open socket, closed on scope exit.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Socket& operator=(Socket&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or `deadline` passes; false on a
// timeout (or a poll error, with errno set).
inline bool WaitFor(int fd, short events,
                    std::chrono::steady_clock::time_point deadline) {
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      errno = ETIMEDOUT;
      return false;
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = ETIMEDOUT;
      return false;
    }
    return true;
  }
}

// Decodes a chunked body in place; false when it is incomplete or bad.
inline bool Dechunk(std::string_view in, std::string* out) {
  out->clear();
  while (true) {
    const size_t eol = in.find("\r\n");
    if (eol == std::string_view::npos) return false;
    uint64_t size = 0;
    const std::string_view line = in.substr(0, eol);
    const auto [end, ec] =
        std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (ec != std::errc() || end == line.data()) return false;
    in.remove_prefix(eol + 2);
    if (size == 0) return true;  // trailers, if any, are ignored
    if (in.size() < size + 2) return false;
    out->append(in.substr(0, size));
    in.remove_prefix(size + 2);
  }
}

}  // namespace detail

inline HttpResult HttpRequest(
    const std::string& method, const std::string& url, const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers,
    int timeout_ms) {
  HttpResult result;
  const auto fail = [&](std::string why) {
    result.status = 0;
    result.headers.clear();
    result.body.clear();
    result.error = std::move(why);
    return result;
  };
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(std::max(timeout_ms, 0));
  // http://host[:port][/path][?query]
  const std::string_view scheme = "http://";
  if (url.size() < scheme.size() ||
      !detail::EqualsIgnoreCase(std::string_view(url).substr(0, 7), scheme)) {
    return fail("only http:// URLs are supported: " + url);
  }
  std::string_view rest = std::string_view(url).substr(scheme.size());
  const size_t slash = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, slash);
  std::string target(slash == std::string_view::npos ? "/"
                                                     : rest.substr(slash));
  target = target.substr(0, target.find('#'));
  if (target.empty() || target[0] == '?') target = "/" + target;
  std::string host, port = "80";
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return fail("bad host in " + url);
    host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail("bad host in " + url);
      port = std::string(authority.substr(close + 2));
    }
  } else {
    const size_t colon = authority.rfind(':');
    host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = std::string(authority.substr(colon + 1));
    }
  }
  if (host.empty() || port.empty() ||
      port.find_first_not_of("0123456789") != std::string::npos) {
    return fail("bad host or port in " + url);
  }
  for (const std::string_view part :
       {std::string_view(method), std::string_view(target)}) {
    if (part.empty() || part.find_first_of(" \r\n") != std::string_view::npos) {
      return fail("bad method or URL: " + method + " " + url);
    }
  }

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return fail("cannot resolve " + host + ": " + ::gai_strerror(rc));
  }
  detail::Socket sock;
  std::string connect_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    detail::Socket s(::socket(a->ai_family,
                              a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                              a->ai_protocol));
    if (s.fd() < 0) {
      connect_error = std::strerror(errno);
      continue;
    }
    int rc = ::connect(s.fd(), a->ai_addr, a->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
      if (!detail::WaitFor(s.fd(), POLLOUT, deadline)) {
        connect_error = std::strerror(errno);
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc == 0) {
      sock = std::move(s);
      break;
    }
    connect_error = std::strerror(errno);
  }
  ::freeaddrinfo(found);
  if (sock.fd() < 0) {
    return fail("cannot connect to " + host + ":" + port + ": " +
                connect_error);
  }
  const int one = 1;
  ::setsockopt(sock.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: " +
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
      (port == "80" ? "" : ":" + port) +
      "\r\nUser-Agent: fanlab-sdk\r\nConnection: close\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n";
  for (const auto& [k, v] : headers) {
    if (detail::EqualsIgnoreCase(k, "Host") ||
        detail::EqualsIgnoreCase(k, "Content-Length") ||
        detail::EqualsIgnoreCase(k, "Connection")) {
      continue;
    }
    if ((k + v).find_first_of("\r\n") != std::string::npos) {
      return fail("header " + k + " holds CR or LF");
    }
    request += k + ": " + v + "\r\n";
  }
  request += "\r\n";
  request += body;
  std::string_view pending(request);
  while (!pending.empty()) {
    const ssize_t n =
        ::send(sock.fd(), pending.data(), pending.size(), MSG_NOSIGNAL);
    if (n > 0) {
      pending.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!detail::WaitFor(sock.fd(), POLLOUT, deadline)) {
        return fail("cannot send to " + url + ": " + std::strerror(errno));
      }
      continue;
    }
    return fail("cannot send to " + url + ": " + std::strerror(errno));
  }

  // Read until the reply is complete (Content-Length, chunked) or the
  // server closes.
  constexpr size_t kMaxReply = size_t{64} << 20;
  std::string in;
  size_t header_end = std::string::npos;
  std::optional<uint64_t> length;
  bool chunked = false, no_body = false;
  char buffer[16384];
  while (true) {
    if (header_end == std::string::npos) {
      header_end = in.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        // Status line, then fields.
        std::string_view head = std::string_view(in).substr(0, header_end);
        const size_t eol = head.find("\r\n");
        const std::string_view status_line = head.substr(0, eol);
        if (!status_line.starts_with("HTTP/1.") || status_line.size() < 12) {
          return fail("not an HTTP reply from " + url);
        }
        const auto [end, ec] = std::from_chars(
            status_line.data() + 9, status_line.data() + 12, result.status);
        if (ec != std::errc() || end != status_line.data() + 12) {
          return fail("bad status line from " + url);
        }
        head = eol == std::string_view::npos ? std::string_view()
                                             : head.substr(eol + 2);
        while (!head.empty()) {
          const size_t next = head.find("\r\n");
          const std::string_view line = head.substr(0, next);
          head = next == std::string_view::npos ? std::string_view()
                                                : head.substr(next + 2);
          const size_t colon = line.find(':');
          if (colon == std::string_view::npos) continue;
          std::string_view value = line.substr(colon + 1);
          while (!value.empty() &&
                 (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
          while (!value.empty() &&
                 (value.back() == ' ' || value.back() == '\t'))
            value.remove_suffix(1);
          result.headers.emplace_back(std::string(line.substr(0, colon)),
                                      std::string(value));
        }
        for (const auto& [k, v] : result.headers) {
          if (detail::EqualsIgnoreCase(k, "Content-Length")) {
            uint64_t n = 0;
            const auto [e, err] =
                std::from_chars(v.data(), v.data() + v.size(), n);
            if (err != std::errc() || e != v.data() + v.size()) {
              return fail("bad Content-Length from " + url);
            }
            length = n;
          } else if (detail::EqualsIgnoreCase(k, "Transfer-Encoding")) {
            chunked = v.find("chunked") != std::string::npos;
          }
        }
        no_body = method == "HEAD" || result.status == 204 ||
                  result.status == 304 || result.status / 100 == 1;
        header_end += 4;
      }
    }
    if (header_end != std::string::npos) {
      const std::string_view got = std::string_view(in).substr(header_end);
      if (no_body) break;
      if (chunked && detail::Dechunk(got, &result.body)) return result;
      if (!chunked && length && got.size() >= *length) {
        result.body = std::string(got.substr(0, static_cast<size_t>(*length)));
        return result;
      }
    }
    if (in.size() > kMaxReply) return fail("reply over 64 MiB from " + url);
    const ssize_t n = ::recv(sock.fd(), buffer, sizeof buffer, 0);
    if (n > 0) {
      in.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) {  // the server closed
      if (header_end == std::string::npos) {
        return fail("connection closed before a reply from " + url);
      }
      if (chunked || length) {
        return fail("connection closed inside the reply from " + url);
      }
      result.body = in.substr(header_end);  // delimited by the close
      return result;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!detail::WaitFor(sock.fd(), POLLIN, deadline)) {
        return fail(errno == ETIMEDOUT ? "no reply from " + url + " within " +
                                             std::to_string(timeout_ms) + " ms"
                                       : "cannot read from " + url + ": " +
                                             std::strerror(errno));
      }
      continue;
    }
    return fail("cannot read from " + url + ": " + std::strerror(errno));
  }
  result.body.clear();
  return result;
}

}  // namespace fanlab::sdk

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_FUNCTION_H_
