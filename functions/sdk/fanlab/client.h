// The ZeroMQ client of the emulator's actions (docs/protocol.md): Client,
// the process's SharedClient(), and the one error model of a refused call,
// ServiceError. Client speaks ZeroMQ through cppzmq's <zmq.hpp> and links
// libzmq (the `fanlab_sdk` CMake target does it). fanlab/json_client.h
// builds the Boost.JSON API most functions use (CallJson) on top of this.
//
// Thread safety: a Client belongs to one thread at a time; SharedClient()
// is the process's one Client: use it from the handler's thread only.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_CLIENT_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_CLIENT_H_

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "fanlab/handler.h"
#include "fanlab/json.h"

namespace fanlab::sdk {

// Calls the emulator's actions (CreateQueue, SendMessage, ...; the bodies
// of docs/protocol.md) over a ZeroMQ DEALER socket. Owns its ZeroMQ
// context. Not copyable; movable.
class Client {
 public:
  struct Reply {
    bool ok = false;   // the status frame was "ok"; else body is an error
    std::string body;  // JSON
  };

  // Connects to `endpoint` (default: FANLAB_ENDPOINT), presenting
  // FANLAB_AUTH_TOKEN when it is set. Every request carries the
  // environment's AWS_ACCESS_KEY_ID, when it is set, as its access-key-id
  // frame: the emulator then knows which invocation made the call (its
  // event log's `caller`, a fault that crashes the caller). Throws Error
  // ("InvalidEndpoint") when the endpoint is empty, zmq::error_t when
  // ZeroMQ refuses it.
  explicit Client(const std::string& endpoint = EndpointFromEnvironment())
      : socket_(context_, zmq::socket_type::dealer) {
    // The emulator takes up to 128 bytes (AWS's longest key id); a longer
    // one is not a function environment's and is not sent.
    if (const char* key = std::getenv("AWS_ACCESS_KEY_ID");
        key != nullptr && std::char_traits<char>::length(key) <= 128) {
      access_key_id_ = key;
    }
    if (endpoint.empty()) {
      throw Error("InvalidEndpoint",
                  "No endpoint to call: FANLAB_ENDPOINT is not set");
    }
    socket_.set(zmq::sockopt::linger, 0);
    // An emulator started with an auth token asks every peer for it
    // (PLAIN mechanism, the token as password); functions get it in
    // FANLAB_AUTH_TOKEN.
    const char* token = std::getenv("FANLAB_AUTH_TOKEN");
    if (token != nullptr && *token != '\0') {
      socket_.set(zmq::sockopt::plain_username, "fanlab");
      socket_.set(zmq::sockopt::plain_password, token);
    }
    socket_.connect(endpoint);
  }

  // Sends [request-id][action][json_body] (and [access-key-id] when the
  // environment has one) and waits for the reply bearing
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
    if (!SendRequest(id, action, json_body)) {
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
        if (!SendRequest(id, action, bodies[sent])) {
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
  // Sends one request's frames; false when ZeroMQ would not take them in
  // time (sndtimeo).
  bool SendRequest(const std::string& id, const std::string& action,
                   const std::string& json_body) {
    const bool keyed = !access_key_id_.empty();
    return socket_.send(zmq::buffer(id), zmq::send_flags::sndmore) &&
           socket_.send(zmq::buffer(action), zmq::send_flags::sndmore) &&
           socket_.send(zmq::buffer(json_body), keyed
                                                    ? zmq::send_flags::sndmore
                                                    : zmq::send_flags::none) &&
           (!keyed ||
            socket_.send(zmq::buffer(access_key_id_), zmq::send_flags::none));
  }

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
  std::string access_key_id_;  // "" sends no access-key-id frame
  uint64_t next_id_ = 1;
};

// The process's one Client (FANLAB_ENDPOINT), made on first use and kept
// for the warm invocations that follow: connecting once per process, not
// once per call.
inline Client& SharedClient() {
  static Client client;
  return client;
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

// A call of `action` the emulator refused, or left unanswered: what
// CallJson() throws. type() is the service's error type without its
// namespace ("QueueDoesNotExist", "ConditionalCheckFailedException";
// "InternalError" when no answer came in time), message() is
// "<action>: <the service's message>", so that a handler that lets it
// escape fails its invocation with exactly these (Run() reports an Error's
// type and message). Catch it to handle an expected refusal:
//
//   try {
//     sdk::CallJson("HeadObject", {{"Bucket", b}, {"Key", k}}, ctx);
//   } catch (const sdk::ServiceError& e) {
//     if (e.type() != "NoSuchKey") throw;
//   }
class ServiceError : public Error {
 public:
  ServiceError(std::string action, std::string type,
               std::string service_message)
      : Error(std::move(type), action + ": " + service_message),
        action_(std::move(action)),
        service_message_(std::move(service_message)) {}

  // From the emulator's error body ({"__type": "<namespace>#<Type>",
  // "message": ...}; "Message" is read too). A body without a type is
  // "ServiceError"; one without a message gives the body as the message.
  static ServiceError FromBody(std::string action, std::string_view body);

  const std::string& action() const noexcept { return action_; }
  const std::string& service_message() const noexcept {
    return service_message_;
  }

 private:
  std::string action_;
  std::string service_message_;
};

inline ServiceError ServiceError::FromBody(std::string action,
                                           std::string_view body) {
  std::string message;
  bool has_message = false;
  std::string ignored;
  detail::ReadObject(
      body,
      [&](const std::string& key, detail::JsonCursor& j) {
        if ((key == "message" || key == "Message") && j.String(&message)) {
          has_message = true;
          return true;
        }
        return j.SkipValue();
      },
      &ignored);
  return ServiceError(std::move(action), ErrorTypeOf(body, "ServiceError"),
                      has_message ? message : std::string(body));
}

// The milliseconds a call may wait when `ctx` has `left` before its
// deadline: at least 1 (a call past the deadline fails at once with no
// answer), at most what fits an int.
inline int CallTimeoutMs(int64_t left) {
  return static_cast<int>(std::clamp<int64_t>(left, 1, INT32_MAX));
}

}  // namespace fanlab::sdk

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_CLIENT_H_
