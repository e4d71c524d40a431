// AWS's Lambda Runtime API (2018-06-01), the runtime side: the loop a
// custom runtime's `bootstrap` runs (provided.al2023, provided.al2), on the
// SDK's keep-alive HTTP client. fanlab/run.h's Run() calls RunRuntimeApi()
// when AWS_LAMBDA_RUNTIME_API is set, so one handler binary serves both
// fanlab's frames and the Runtime API.
//
//   GET  /2018-06-01/runtime/invocation/next          blocks; no timeout
//   POST /2018-06-01/runtime/invocation/{id}/response  the result
//   POST /2018-06-01/runtime/invocation/{id}/error     a failure
//   POST /2018-06-01/runtime/init/error                the Init threw
//
// A failure's body is {"errorMessage", "errorType", "stackTrace": []} and
// its Lambda-Runtime-Function-Error-Type header the errorType (an Error's
// type, the exception's type name, or "UnknownError"; see handler.h).
//
// The Context comes from `next`'s headers: Lambda-Runtime-Aws-Request-Id
// (required), -Deadline-Ms (required, an integer), -Invoked-Function-Arn,
// -Trace-Id (also set as _X_AMZN_TRACE_ID for the invocation), -Client-
// Context, -Cognito-Identity; and from the environment:
// AWS_LAMBDA_FUNCTION_NAME, AWS_LAMBDA_FUNCTION_VERSION,
// AWS_LAMBDA_FUNCTION_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME,
// AWS_LAMBDA_LOG_STREAM_NAME, FANLAB_SOCKET. Remaining time: when `next`
// carries Lambda-Runtime-Fanlab-Now-Ms (the emulator's clock, which may be
// virtual, in ms since the epoch) the deadline is measured from it plus
// the real time since the answer arrived; else from the wall clock (AWS's
// rule).
//
// Thread safety: the handler is called on the calling thread, one
// invocation at a time.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_RUNTIME_API_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_RUNTIME_API_H_

#include <signal.h>
#include <stdlib.h>

#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "fanlab/frames.h"
#include "fanlab/handler.h"
#include "fanlab/http.h"
#include "fanlab/json.h"

namespace fanlab::sdk {

// Serves invocations from the Runtime API at `address` ("host:port", the
// value of AWS_LAMBDA_RUNTIME_API) with the handler `init` makes, calling
// `init` once first. Returns, as the process's exit status:
//   kRunEof        the API went away (a refused connection, a connection
//                  closed or reset before an answer): the normal end;
//   kRunInitError  `init` threw, or made an empty handler; the failure was
//                  posted to /runtime/init/error;
//   kRunIoError    `next` answered a status other than 200;
//   kRunMalformed  `address` is not host:port, or `next` answered without
//                  a request id or an integer deadline.
// Each but kRunEof prints why on stderr ("fanlab sdk: ..."); kRunEof does
// too, one line. A response or error post answered with a status other
// than 202 (413: the payload is too large) is printed and the loop goes
// on. stdout and stderr are flushed before each post, so an invocation's
// logs precede its result. SIGPIPE is ignored from the first call on.
inline int RunRuntimeApi(const Init& init, std::string_view address);

// RunRuntimeApi with an Init that returns `handler`.
inline int RunRuntimeApi(Handler handler, std::string_view address) {
  return RunRuntimeApi([&handler] { return std::move(handler); }, address);
}

namespace detail {

inline constexpr std::string_view kRuntimeApiPrefix = "/2018-06-01/runtime/";

// The Runtime API's failure body.
inline std::string RuntimeErrorBody(std::string_view type,
                                    std::string_view message) {
  return "{\"errorMessage\":" + JsonString(message) +
         ",\"errorType\":" + JsonString(type) + ",\"stackTrace\":[]}";
}

// `s` with every byte outside RFC 3986's unreserved set percent-encoded:
// a request id as a path segment.
inline std::string PathSegment(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
        c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

// A header value: control characters (CR, LF among them) become spaces.
inline std::string HeaderValue(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return out;
}

// A whole decimal integer, or nullopt.
inline std::optional<int64_t> ParseInt64(std::string_view text) {
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.end(), v);
  if (text.empty() || ec != std::errc() || end != text.end()) {
    return std::nullopt;
  }
  return v;
}

inline std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// Posts a failure; false when the API went away (a line on stderr says).
inline bool PostFailure(HttpConnection& api, const std::string& path,
                        const Outcome& outcome) {
  const HttpResult r = api.Request(
      "POST", path, RuntimeErrorBody(outcome.error_type, outcome.error_message),
      {{"Content-Type", "application/json"},
       {"Lambda-Runtime-Function-Error-Type",
        HeaderValue(outcome.error_type)}});
  if (!r.ok()) {
    Complain("the Runtime API went away: " + r.error);
    return false;
  }
  if (r.status != 202) {
    Complain("POST " + path + " answered " + std::to_string(r.status) + ": " +
             r.body.substr(0, 200));
  }
  return true;
}

}  // namespace detail

inline int RunRuntimeApi(const Init& init, std::string_view address) {
  ::signal(SIGPIPE, SIG_IGN);
  std::optional<HttpConnection> api = HttpConnection::FromAddress(address);
  if (!api) {
    detail::Complain("AWS_LAMBDA_RUNTIME_API is not host:port: " +
                     std::string(address));
    return kRunMalformed;
  }
  const std::string prefix(detail::kRuntimeApiPrefix);

  Handler handler;
  {
    detail::Outcome failed;
    try {
      handler = init();
      if (!handler) {
        throw Error("Runtime.NoHandler", "The Init returned no handler");
      }
    } catch (...) {
      detail::CaughtError(&failed);
    }
    if (!failed.error_type.empty()) {
      std::fflush(stdout);
      std::fflush(stderr);
      detail::Complain("initialization failed: " + failed.error_type + ": " +
                       failed.error_message);
      detail::PostFailure(*api, prefix + "init/error", failed);
      return kRunInitError;
    }
  }

  Context base;
  base.function_name = detail::Env("AWS_LAMBDA_FUNCTION_NAME");
  base.function_version = detail::Env("AWS_LAMBDA_FUNCTION_VERSION");
  base.memory_limit_mb =
      detail::ParseInt64(detail::Env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
          .value_or(0);
  base.log_group_name = detail::Env("AWS_LAMBDA_LOG_GROUP_NAME");
  base.log_stream_name = detail::Env("AWS_LAMBDA_LOG_STREAM_NAME");
  base.endpoint = detail::EndpointFromEnvironment();

  while (true) {
    // Blocks until the next invocation: no timeout.
    const HttpResult next = api->Request("GET", prefix + "invocation/next");
    const auto received = std::chrono::steady_clock::now();
    if (!next.ok()) {
      detail::Complain("the Runtime API went away: " + next.error);
      return kRunEof;
    }
    if (next.status != 200) {
      detail::Complain("GET " + prefix + "invocation/next answered " +
                       std::to_string(next.status) + ": " +
                       next.body.substr(0, 200));
      return kRunIoError;
    }
    Context ctx = base;
    ctx.request_id = next.Header("Lambda-Runtime-Aws-Request-Id");
    if (ctx.request_id.empty()) {
      detail::Complain(
          "invocation/next answered without Lambda-Runtime-Aws-Request-Id");
      return kRunMalformed;
    }
    const std::string deadline = next.Header("Lambda-Runtime-Deadline-Ms");
    const std::optional<int64_t> deadline_ms = detail::ParseInt64(deadline);
    if (!deadline_ms) {
      detail::Complain(
          "invocation/next answered Lambda-Runtime-Deadline-Ms \"" +
          deadline.substr(0, 100) + "\", not an integer (request " +
          ctx.request_id + ")");
      return kRunMalformed;
    }
    ctx.deadline_ms = *deadline_ms;
    if (const std::optional<int64_t> now =
            detail::ParseInt64(next.Header("Lambda-Runtime-Fanlab-Now-Ms"))) {
      ctx.emulator_now_ms = *now;
      ctx.received = received;
    }
    ctx.invoked_function_arn =
        next.Header("Lambda-Runtime-Invoked-Function-Arn");
    ctx.trace_id = next.Header("Lambda-Runtime-Trace-Id");
    ctx.client_context = next.Header("Lambda-Runtime-Client-Context");
    ctx.cognito_identity = next.Header("Lambda-Runtime-Cognito-Identity");
    if (ctx.trace_id.empty()) {
      ::unsetenv("_X_AMZN_TRACE_ID");
    } else {
      ::setenv("_X_AMZN_TRACE_ID", ctx.trace_id.c_str(), 1);
    }

    const detail::Outcome outcome =
        detail::CallHandler(handler, next.body, ctx);
    // The invocation's logs go out before its result.
    std::fflush(stdout);
    std::fflush(stderr);
    const std::string path =
        prefix + "invocation/" + detail::PathSegment(ctx.request_id);
    if (!outcome.ok) {
      if (!detail::PostFailure(*api, path + "/error", outcome)) return kRunEof;
      continue;
    }
    const HttpResult r =
        api->Request("POST", path + "/response", outcome.payload,
                     {{"Content-Type", "application/json"}});
    if (!r.ok()) {
      detail::Complain("the Runtime API went away: " + r.error);
      return kRunEof;
    }
    if (r.status != 202) {
      detail::Complain("POST " + path + "/response answered " +
                       std::to_string(r.status) + ": " + r.body.substr(0, 200));
    }
  }
}

}  // namespace fanlab::sdk

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_RUNTIME_API_H_
