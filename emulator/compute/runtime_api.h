// The Lambda Runtime API (version 2018-06-01) of one execution
// environment, as a pure request -> answer unit: no sockets. A listener
// (RuntimeApiListeners, below; the engine serves it over HTTP on loopback)
// hands each request to Handle(); the environment hands invocations to
// Assign(); what the runtime reports comes back through RuntimeApiEvents.
//
//   GET  /2018-06-01/runtime/invocation/next            200, the event
//   POST /2018-06-01/runtime/invocation/{id}/response   202 {"status":"OK"}
//   POST /2018-06-01/runtime/invocation/{id}/error      202 {"status":"OK"}
//   POST /2018-06-01/runtime/init/error                 202 {"status":"OK"}
//
// `next` blocks until an invocation is assigned; its answer carries the
// headers Lambda-Runtime-Aws-Request-Id, -Deadline-Ms,
// -Invoked-Function-Arn, -Trace-Id and, when set, -Client-Context and
// -Cognito-Identity; the body is the event. Given the emulator's Clock, it
// also carries fanlab's Lambda-Runtime-Fanlab-Now-Ms: the clock's now, in
// Unix epoch milliseconds, at the moment the invocation is handed out. A
// runtime client computes the remaining time as deadline - (that now +
// the real time elapsed since), so that it holds on a virtual clock too
// (where the deadline may be far from the wall clock).
//
// Misuse gets Lambda's status and error body {"errorMessage", "errorType"}:
//   400 InvalidRequestID       a response or error for a request id that is
//                              not the invocation being run (unknown, or
//                              already answered)
//   413 RequestEntityTooLarge  a response or error body over 6291556 bytes;
//                              the invocation then fails with
//                              Function.ResponseSizeTooLarge
//   403 InvalidStateTransition `next` while the invocation handed out is
//                              not answered; init/error after the first
//                              `next` or a second time; a `next` replaced
//                              by a newer one (at most one waits, so a
//                              flood of `next` holds one request, never
//                              more)
//   404 NotFound / 405 MethodNotAllowed for any other path or method.
// A response body is passed on as it is (Lambda does not require JSON). An
// error body that is not a JSON object, or is empty, becomes
// {"errorMessage": <the body>, "errorType": <the header's type>}.
//
// Thread safety: none; the engine thread owns it. Events run inside
// Handle(), after the state has changed (so they may call Assign()) and
// before the runtime's own answer is sent (the caller hears first).
#ifndef FANLAB_EMULATOR_COMPUTE_RUNTIME_API_H_
#define FANLAB_EMULATOR_COMPUTE_RUNTIME_API_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/core/clock.h"
#include "emulator/core/status.h"

namespace fanlab::compute {

struct RuntimeApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The first header of that name (case-insensitive), or "".
  std::string Header(std::string_view name) const;
};

struct RuntimeApiResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Sends the answer to one request (once).
using RuntimeApiReply = std::function<void(RuntimeApiResponse)>;

// An invocation as `next` hands it out.
struct RuntimeApiInvocation {
  std::string request_id;
  int64_t deadline_ms = 0;  // Unix epoch milliseconds
  std::string function_arn;
  std::string trace_id;
  std::string client_context;    // empty: no header
  std::string cognito_identity;  // empty: no header
  std::string payload;
};

// What the runtime reports. Every one is optional.
struct RuntimeApiEvents {
  // A `next` arrived (the first one ends the environment's init).
  std::function<void()> on_next;
  // The invocation's result, as posted.
  std::function<void(const std::string& request_id, std::string body)>
      on_response;
  // The invocation failed: `type` is the error type (the body's errorType,
  // else the Lambda-Runtime-Function-Error-Type header, else "Unhandled"),
  // `payload` the error JSON the caller gets.
  std::function<void(const std::string& request_id, std::string type,
                     std::string payload)>
      on_error;
  // The runtime could not start (POST init/error): type and payload as for
  // on_error, the type defaulting to "Runtime.Unknown".
  std::function<void(std::string type, std::string payload)> on_init_error;
};

class RuntimeApi {
 public:
  // Lambda's limit on a response (6 MB and a little headroom, as the
  // service counts it).
  static constexpr size_t kMaxResponseBytes = 6291556;

  explicit RuntimeApi(RuntimeApiEvents events);
  RuntimeApi(const RuntimeApi&) = delete;
  RuntimeApi& operator=(const RuntimeApi&) = delete;

  // Answers `request` through `reply`, at once or (a `next` with nothing
  // assigned) when Assign() is called.
  void Handle(RuntimeApiRequest request, RuntimeApiReply reply);

  // The emulator's clock, for Lambda-Runtime-Fanlab-Now-Ms (unset or null:
  // no such header). `clock` must outlive the RuntimeApi.
  void SetClock(const Clock* clock) { clock_ = clock; }

  // Gives the runtime its next invocation: the waiting `next` gets it now,
  // or the next one that comes. REQUIRES: !busy().
  void Assign(RuntimeApiInvocation invocation);
  // The invocation assigned is over without the runtime's answer (timed
  // out, the process died): answers for it are refused from now on.
  void Abandon();

  // An invocation is assigned and not answered.
  bool busy() const { return current_.has_value(); }
  // A `next` is waiting for an invocation.
  bool waiting() const { return static_cast<bool>(pending_next_); }
  // `next` has been called at least once (init is over).
  bool started() const { return started_; }

 private:
  void Deliver();
  // The id names the invocation handed out and not answered yet.
  bool IsCurrent(std::string_view id) const;
  void Next(RuntimeApiReply reply);
  void Answer(std::string_view id, bool error, const RuntimeApiRequest& r,
              RuntimeApiReply& reply);
  void InitError(const RuntimeApiRequest& r, RuntimeApiReply& reply);

  RuntimeApiEvents events_;
  const Clock* clock_ = nullptr;
  std::optional<RuntimeApiInvocation> current_;
  bool delivered_ = false;  // current_ went out through a `next`
  RuntimeApiReply pending_next_;
  bool started_ = false;
  bool init_error_ = false;
};

// The HTTP side, injected by the engine (compute does not know sockets):
// one listener per environment, on its own loopback port.
class RuntimeApiListener {
 public:
  virtual ~RuntimeApiListener() = default;
  // "127.0.0.1:PORT", the value of AWS_LAMBDA_RUNTIME_API.
  virtual const std::string& address() const = 0;
};

class RuntimeApiListeners {
 public:
  using Handler = std::function<void(RuntimeApiRequest, RuntimeApiReply)>;
  virtual ~RuntimeApiListeners() = default;
  // A new listener on a free loopback port; requests go to `handler` until
  // the listener is destroyed (which closes its connections).
  virtual Result<std::unique_ptr<RuntimeApiListener>> Listen(
      Handler handler) = 0;
};

}  // namespace fanlab::compute

#endif  // FANLAB_EMULATOR_COMPUTE_RUNTIME_API_H_
