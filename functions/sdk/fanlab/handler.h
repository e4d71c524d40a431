// What a handler is, sees and throws: Handler, Context, Error. Shared by
// both ways of serving invocations (fanlab/run.h: fanlab's frames on
// stdin, or AWS's Lambda Runtime API), so a handler runs unchanged under
// either.
//
// Thread safety: a Context and an Error are plain values.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_HANDLER_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_HANDLER_H_

#include <errno.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>

#include "fanlab/json.h"

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define FANLAB_SDK_HAS_CXXABI 1
#endif

namespace fanlab::sdk {

// What the handler knows about the invocation it is serving. The first
// fields come with every invocation; the Runtime API fields are empty
// under fanlab's frames.
struct Context {
  std::string request_id;
  // The deadline in milliseconds since the Unix epoch, on the emulator's
  // clock (virtual or real).
  int64_t deadline_ms = 0;
  std::string function_name;  // frames: the header's; else
                              // AWS_LAMBDA_FUNCTION_NAME
  std::string invoked_function_arn;
  // The endpoint Client calls: "unix://" and the emulator's function socket
  // (FANLAB_SOCKET). Empty when the variable is not set.
  std::string endpoint;

  // Runtime API only: the invocation's headers (Lambda-Runtime-Trace-Id,
  // -Client-Context and -Cognito-Identity, as sent: the last two are JSON
  // texts) and the function's environment (AWS_LAMBDA_FUNCTION_VERSION,
  // AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME,
  // AWS_LAMBDA_LOG_STREAM_NAME). Empty or 0 when absent.
  std::string trace_id;
  std::string client_context;
  std::string cognito_identity;
  std::string function_version;
  int64_t memory_limit_mb = 0;
  std::string log_group_name;
  std::string log_stream_name;

  // The emulator's clock when it sent the invocation (the frame's `nowMs`,
  // the Runtime API's Lambda-Runtime-Fanlab-Now-Ms header), and when the
  // invocation arrived here. The emulator's clock runs at real speed while
  // a function runs, so its "now" is emulator_now_ms plus the time since
  // `received`, exact on the virtual clock too. Unset: the wall clock is
  // the emulator's (AWS's own rule).
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

  // RemainingTimeMs() as a duration.
  std::chrono::milliseconds Remaining() const {
    return std::chrono::milliseconds(RemainingTimeMs());
  }
};

// Thrown by a handler to fail the invocation with an error whose errorType
// and errorMessage are these. Any other std::exception fails it with
// errorType = the exception's type name ("std::runtime_error") and
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

// Makes the handler, once, before the first invocation: where a function
// reads its configuration and opens what its invocations share. Throwing
// (an Error names the type) is an initialization error (fanlab/run.h).
using Init = std::function<Handler()>;

namespace detail {

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

// How a call of the handler (or of an Init) ended.
struct Outcome {
  bool ok = false;
  std::string payload;  // ok: the result; else ErrorPayload(type, message)
  std::string error_type;
  std::string error_message;
};

// Records a thrown exception in `out` (call inside a catch block).
inline void CaughtError(Outcome* out) {
  try {
    throw;
  } catch (const Error& e) {
    out->error_type = e.type();
    out->error_message = e.message();
  } catch (const std::exception& e) {
    out->error_type = TypeName(typeid(e));
    out->error_message = e.what();
  } catch (...) {
    out->error_type = "UnknownError";
    out->error_message = "The handler threw something not a std::exception";
  }
  out->ok = false;
  out->payload = ErrorPayload(out->error_type, out->error_message);
}

// Calls `handler`; what it threw becomes an error outcome.
inline Outcome CallHandler(const Handler& handler, const std::string& event,
                           const Context& ctx) {
  Outcome out;
  try {
    out.payload = handler(event, ctx);
    out.ok = true;
  } catch (...) {
    CaughtError(&out);
  }
  return out;
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

// Context::endpoint: "unix://$FANLAB_SOCKET", or "" when it is not set.
inline std::string EndpointFromEnvironment() {
  const char* socket = std::getenv("FANLAB_SOCKET");
  return socket != nullptr && *socket != '\0' ? "unix://" + std::string(socket)
                                              : std::string();
}

inline void Complain(const std::string& what) {
  const std::string line = "fanlab sdk: " + what + "\n";
  WriteAll(STDERR_FILENO, line);
}

}  // namespace detail
}  // namespace fanlab::sdk

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_HANDLER_H_
