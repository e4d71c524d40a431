// The emulator's actions with Boost.JSON values: CallJson() sends a
// request object and returns the answer object, waiting no longer than
// the invocation has left, and throws ServiceError (client.h) when the
// call is refused or unanswered. Needs Boost.JSON (CMake: link
// Boost::json besides fanlab_sdk); the other SDK headers do not.
//
//   const json::object created = sdk::CallJson(
//       "CreateQueue", {{"QueueName", "jobs"}}, ctx);
//
// Thread safety: the calls use SharedClient(): call them from the
// handler's thread only.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_JSON_CLIENT_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_JSON_CLIENT_H_

#include <boost/json.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fanlab/client.h"
#include "fanlab/handler.h"

namespace fanlab::sdk {

// Calls `action` with `request` on `client`, waiting at most
// ctx.RemainingTimeMs() (at least 1 ms). Returns the answer; an answer
// that is not a JSON object (an action that answers nothing) is an empty
// object. Throws ServiceError when the emulator refused the call (its
// error type and message) or did not answer in time ("InternalError").
inline boost::json::object CallJson(Client& client, std::string_view action,
                                    const boost::json::object& request,
                                    const Context& ctx);

// CallJson on the process's SharedClient().
inline boost::json::object CallJson(std::string_view action,
                                    const boost::json::object& request,
                                    const Context& ctx) {
  return CallJson(SharedClient(), action, request, ctx);
}

// Calls `action` once per request, pipelined (Client::CallAll: up to
// `window` in flight), and returns the answers in the order of `requests`.
// The calls share the invocation's remaining time: the wait ends when no
// answer at all arrives within it. When any call fails, throws the first
// failed one's ServiceError, its message prefixed with which and how many:
// "<action>: call 3 (2 of 10 failed): <the service's message>".
inline std::vector<boost::json::object> CallJsonAll(
    Client& client, std::string_view action,
    const std::vector<boost::json::object>& requests, const Context& ctx,
    size_t window = 256);

// CallJsonAll on the process's SharedClient().
inline std::vector<boost::json::object> CallJsonAll(
    std::string_view action, const std::vector<boost::json::object>& requests,
    const Context& ctx, size_t window = 256) {
  return CallJsonAll(SharedClient(), action, requests, ctx, window);
}

// `text` as a JSON object. Throws Error("InvalidInput", "<what> must be a
// JSON object: <the text's first 200 bytes>") when it is not one.
inline boost::json::object ParseObject(std::string_view text,
                                       std::string_view what);

namespace detail {
inline boost::json::object AnswerObject(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.as_object());
}
}  // namespace detail

inline boost::json::object CallJson(Client& client, std::string_view action,
                                    const boost::json::object& request,
                                    const Context& ctx) {
  const std::string name(action);
  Client::Reply reply = client.Call(name, boost::json::serialize(request),
                                    CallTimeoutMs(ctx.RemainingTimeMs()));
  if (!reply.ok) throw ServiceError::FromBody(name, reply.body);
  return detail::AnswerObject(reply.body);
}

inline std::vector<boost::json::object> CallJsonAll(
    Client& client, std::string_view action,
    const std::vector<boost::json::object>& requests, const Context& ctx,
    size_t window) {
  const std::string name(action);
  std::vector<std::string> bodies;
  bodies.reserve(requests.size());
  for (const boost::json::object& r : requests) {
    bodies.push_back(boost::json::serialize(r));
  }
  const std::vector<Client::Reply> replies = client.CallAll(
      name, bodies, window, CallTimeoutMs(ctx.RemainingTimeMs()));
  size_t failed = 0, first_failed = 0;
  for (size_t i = replies.size(); i-- > 0;) {
    if (!replies[i].ok) ++failed, first_failed = i;
  }
  if (failed > 0) {
    const ServiceError first =
        ServiceError::FromBody(name, replies[first_failed].body);
    throw ServiceError(name, first.type(),
                       "call " + std::to_string(first_failed) + " (" +
                           std::to_string(failed) + " of " +
                           std::to_string(replies.size()) +
                           " failed): " + first.service_message());
  }
  std::vector<boost::json::object> answers;
  answers.reserve(replies.size());
  for (const Client::Reply& r : replies) {
    answers.push_back(detail::AnswerObject(r.body));
  }
  return answers;
}

inline boost::json::object ParseObject(std::string_view text,
                                       std::string_view what) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) {
    throw Error("InvalidInput", std::string(what) + " must be a JSON object: " +
                                    std::string(text.substr(0, 200)));
  }
  return std::move(v.as_object());
}

}  // namespace fanlab::sdk

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_JSON_CLIENT_H_
