#include "emulator/compute/runtime_api.h"

#include <boost/json.hpp>
#include <cctype>

#include "emulator/core/json_writer.h"

namespace fanlab::compute {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrefix = "/2018-06-01/runtime/";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string ErrorBody(std::string_view type, std::string_view message) {
  JsonWriter w;
  w.BeginObject()
      .Key("errorMessage")
      .String(message)
      .Key("errorType")
      .String(type)
      .EndObject();
  return w.Take();
}

RuntimeApiResponse Json(int status, std::string body) {
  return RuntimeApiResponse{.status = status,
                            .headers = {{"Content-Type", "application/json"}},
                            .body = std::move(body)};
}

RuntimeApiResponse Error(int status, std::string_view type,
                         std::string_view message) {
  return Json(status, ErrorBody(type, message));
}

RuntimeApiResponse Accepted() { return Json(202, R"({"status":"OK"})"); }

RuntimeApiResponse StateError(std::string_view from, std::string_view to,
                              std::string_view why) {
  return Error(403, "InvalidStateTransition",
               "State transition from " + std::string(from) + " to " +
                   std::string(to) +
                   " failed for runtime. Error: " + std::string(why));
}

RuntimeApiResponse TooLarge() {
  return Error(413, "RequestEntityTooLarge",
               "Exceeded maximum allowed payload size (" +
                   std::to_string(RuntimeApi::kMaxResponseBytes) + " bytes).");
}

// The error type and the payload the caller gets for an error body.
std::pair<std::string, std::string> ErrorPayload(const RuntimeApiRequest& r,
                                                 std::string fallback_type) {
  std::string header_type = r.Header("Lambda-Runtime-Function-Error-Type");
  std::string type = header_type.empty() ? fallback_type : header_type;
  boost::system::error_code ec;
  json::value parsed = json::parse(r.body, ec);
  if (!ec && parsed.is_object()) {
    if (const json::value* t = parsed.get_object().if_contains("errorType");
        t != nullptr && t->is_string() && !t->get_string().empty()) {
      type = std::string(t->get_string());
    }
    return {type, r.body};
  }
  return {type, ErrorBody(type, r.body)};
}

}  // namespace

std::string RuntimeApiRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

RuntimeApi::RuntimeApi(RuntimeApiEvents events) : events_(std::move(events)) {}

void RuntimeApi::Handle(RuntimeApiRequest request, RuntimeApiReply reply) {
  std::string_view path = request.path;
  if (!path.starts_with(kPrefix)) {
    return reply(
        Error(404, "NotFound",
              "No such resource: " + request.method + " " + request.path));
  }
  std::string_view rest = path.substr(kPrefix.size());
  auto method_is = [&](std::string_view m) {
    if (request.method == m) return true;
    reply(Error(405, "MethodNotAllowed",
                request.method + " is not allowed on " + request.path +
                    "; use " + std::string(m) + "."));
    return false;
  };
  if (rest == "invocation/next") {
    if (method_is("GET")) Next(std::move(reply));
    return;
  }
  if (rest == "init/error") {
    if (method_is("POST")) InitError(request, reply);
    return;
  }
  constexpr std::string_view kInvocation = "invocation/";
  if (rest.starts_with(kInvocation)) {
    std::string_view tail = rest.substr(kInvocation.size());
    size_t slash = tail.find('/');
    if (slash != std::string_view::npos && slash > 0) {
      std::string_view id = tail.substr(0, slash);
      std::string_view what = tail.substr(slash + 1);
      if (what == "response" || what == "error") {
        if (method_is("POST")) Answer(id, what == "error", request, reply);
        return;
      }
    }
  }
  reply(Error(404, "NotFound",
              "No such resource: " + request.method + " " + request.path));
}

void RuntimeApi::Next(RuntimeApiReply reply) {
  if (current_ && delivered_) {
    return reply(StateError(
        "Invoke", "Ready",
        "the invocation " + current_->request_id + " has not been answered."));
  }
  if (pending_next_) {
    // At most one `next` waits: the newer one (a runtime that reconnected)
    // takes its place.
    RuntimeApiReply older = std::move(pending_next_);
    pending_next_ = nullptr;
    older(StateError("Ready", "Ready",
                     "a newer request for the next invocation replaced this "
                     "one."));
  }
  pending_next_ = std::move(reply);
  started_ = true;
  if (events_.on_next) events_.on_next();
  Deliver();
}

void RuntimeApi::Assign(RuntimeApiInvocation invocation) {
  current_ = std::move(invocation);
  delivered_ = false;
  Deliver();
}

void RuntimeApi::Abandon() {
  current_.reset();
  delivered_ = false;
}

void RuntimeApi::Deliver() {
  if (!current_ || delivered_ || !pending_next_) return;
  RuntimeApiReply reply = std::move(pending_next_);
  pending_next_ = nullptr;
  delivered_ = true;
  const RuntimeApiInvocation& inv = *current_;
  RuntimeApiResponse r{
      .status = 200,
      .headers = {
          {"Content-Type", "application/json"},
          {"Lambda-Runtime-Aws-Request-Id", inv.request_id},
          {"Lambda-Runtime-Deadline-Ms", std::to_string(inv.deadline_ms)},
          {"Lambda-Runtime-Invoked-Function-Arn", inv.function_arn},
          {"Lambda-Runtime-Trace-Id", inv.trace_id},
      }};
  if (clock_ != nullptr) {
    r.headers.emplace_back("Lambda-Runtime-Fanlab-Now-Ms",
                           std::to_string(ToEpochMillis(clock_->Now())));
  }
  if (!inv.client_context.empty()) {
    r.headers.emplace_back("Lambda-Runtime-Client-Context", inv.client_context);
  }
  if (!inv.cognito_identity.empty()) {
    r.headers.emplace_back("Lambda-Runtime-Cognito-Identity",
                           inv.cognito_identity);
  }
  r.body = inv.payload;
  reply(std::move(r));
}

bool RuntimeApi::IsCurrent(std::string_view id) const {
  return current_ && delivered_ && current_->request_id == id;
}

void RuntimeApi::Answer(std::string_view id, bool error,
                        const RuntimeApiRequest& r, RuntimeApiReply& reply) {
  if (!IsCurrent(id)) {
    return reply(Error(400, "InvalidRequestID", "Invalid request ID"));
  }
  std::string request_id = current_->request_id;
  current_.reset();
  delivered_ = false;
  if (r.body.size() > kMaxResponseBytes) {
    RuntimeApiReply answer_later = std::move(reply);
    if (events_.on_error) {
      events_.on_error(
          request_id, "Function.ResponseSizeTooLarge",
          ErrorBody("Function.ResponseSizeTooLarge",
                    "Response payload size exceeded maximum allowed payload "
                    "size (" +
                        std::to_string(kMaxResponseBytes) + " bytes)."));
    }
    return answer_later(TooLarge());
  }
  // The caller's answer goes first; the runtime's 202 after it.
  if (!error) {
    if (events_.on_response) events_.on_response(request_id, r.body);
    return reply(Accepted());
  }
  auto [type, payload] = ErrorPayload(r, "Unhandled");
  if (events_.on_error) {
    events_.on_error(request_id, std::move(type), std::move(payload));
  }
  reply(Accepted());
}

void RuntimeApi::InitError(const RuntimeApiRequest& r, RuntimeApiReply& reply) {
  if (started_ || init_error_) {
    return reply(StateError(started_ ? "Ready" : "InitError", "InitError",
                            started_ ? "init is over (next was called)."
                                     : "init/error was already posted."));
  }
  if (r.body.size() > kMaxResponseBytes) return reply(TooLarge());
  init_error_ = true;
  reply(Accepted());
  auto [type, payload] = ErrorPayload(r, "Runtime.Unknown");
  if (events_.on_init_error) {
    events_.on_init_error(std::move(type), std::move(payload));
  }
}

}  // namespace fanlab::compute
