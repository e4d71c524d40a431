// The client of the emulator's actions (docs/protocol.md): Client, the
// process's SharedClient(), and the one error model of a refused call,
// ServiceError. Client calls the emulator's function socket, a Unix stream
// socket whose path a function process finds in FANLAB_SOCKET; it needs
// nothing but libc (no ZeroMQ, no thread of its own). fanlab/json_client.h
// builds the Boost.JSON API most functions use (CallJson) on top of this.
//
// Thread safety: a Client belongs to one thread at a time; SharedClient()
// is the process's one Client: use it from the handler's thread only.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_CLIENT_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_CLIENT_H_

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fanlab/handler.h"
#include "fanlab/json.h"

namespace fanlab::sdk {

// Calls the emulator's actions (CreateQueue, SendMessage, ...; the bodies
// of docs/protocol.md) over the function socket: each request is
// [request-id][action][json-body]([access-key-id]), each reply
// [request-id][status][json-body], every frame length-prefixed. Connects
// on the first call, and again on the next call after the emulator closed
// the connection. Not copyable; movable.
class Client {
 public:
  struct Reply {
    bool ok = false;   // the status frame was "ok"; else body is an error
    std::string body;  // JSON
  };

  // Calls `endpoint`, "unix://" and the socket's path (default: the
  // function socket, "unix://$FANLAB_SOCKET"). Every request carries the
  // environment's AWS_ACCESS_KEY_ID, when it is set, as its access-key-id
  // frame: the emulator then knows which invocation made the call (its
  // event log's `caller`, a fault that crashes the caller). Throws Error
  // ("InvalidEndpoint") when the endpoint is empty or not a unix:// one.
  explicit Client(const std::string& endpoint = EndpointFromEnvironment()) {
    // The emulator takes up to 128 bytes (AWS's longest key id); a longer
    // one is not a function environment's and is not sent.
    if (const char* key = std::getenv("AWS_ACCESS_KEY_ID");
        key != nullptr && std::char_traits<char>::length(key) <= 128) {
      access_key_id_ = key;
    }
    if (endpoint.empty()) {
      throw Error("InvalidEndpoint",
                  "No endpoint to call: FANLAB_SOCKET is not set");
    }
    constexpr size_t kScheme = 7;  // "unix://"
    if (!endpoint.starts_with("unix://") || endpoint.size() == kScheme ||
        endpoint.size() - kScheme >= sizeof(sockaddr_un{}.sun_path)) {
      throw Error("InvalidEndpoint",
                  "Cannot call " + endpoint +
                      ": the SDK calls the emulator's function socket, "
                      "unix://PATH (PATH at most 107 bytes)");
    }
    path_ = endpoint.substr(kScheme);
  }
  ~Client() { Disconnect(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&& other) noexcept { *this = std::move(other); }
  Client& operator=(Client&& other) noexcept {
    if (this != &other) {
      Disconnect();
      path_ = std::move(other.path_);
      access_key_id_ = std::move(other.access_key_id_);
      fd_ = std::exchange(other.fd_, -1);
      in_ = std::move(other.in_);
      out_ = std::move(other.out_);
      next_id_ = other.next_id_;
    }
    return *this;
  }

  // Sends one request and waits for the reply bearing its id (a late
  // reply to an earlier call is skipped). Reply::ok is false with the
  // emulator's error body when it answered "error", and with
  // {"__type":"com.amazonaws.sqs#InternalError","message":...} when no
  // answer came within `timeout_ms`, or the socket could not be reached or
  // closed before answering.
  Reply Call(const std::string& action, const std::string& json_body,
             int timeout_ms = 30000) {
    const auto deadline = Deadline(timeout_ms);
    const std::string id = std::to_string(next_id_++);
    std::string why;
    if (!Connect(&why)) return Failed(action, why);
    Queue(id, action, json_body);
    Reply reply;
    bool answered = false;
    while (!answered) {
      const Io io = Pump(LeftMs(deadline), [&](std::string_view* frames) {
        if (frames[0] == id) {
          reply = Reply{frames[1] == "ok", std::string(frames[2])};
          answered = true;
        }
      });
      if (answered) break;
      if (io == Io::kBroken) return Failed(action, broken_);
      if (io == Io::kTimeout) return NoAnswer(action, timeout_ms);
    }
    return reply;
  }

  // Calls `action` once per body, pipelined: up to `window` requests are in
  // flight at once on this connection (replies matched by id, in any
  // order), so that a fan-out of thousands of calls costs one round trip
  // per window, not per call. Returns the replies in the order of
  // `bodies`, each as Call() would give it. When no reply at all arrives
  // for `timeout_ms`, every call still unanswered gets Call()'s
  // InternalError reply. REQUIRES: window >= 1 (0 is taken as 1); the
  // emulator reads at most 1000 unanswered requests of a connection.
  std::vector<Reply> CallAll(const std::string& action,
                             const std::vector<std::string>& bodies,
                             size_t window = 256, int timeout_ms = 30000) {
    const size_t n = bodies.size();
    std::vector<Reply> replies(n);
    std::vector<bool> answered(n, false);
    const uint64_t first_id = next_id_;
    next_id_ += n;
    window = std::max<size_t>(window, 1);
    size_t sent = 0, done = 0;
    const auto finish = [&](size_t i, Reply reply) {
      if (answered[i]) return;
      replies[i] = std::move(reply);
      answered[i] = true;
      ++done;
    };
    const auto fail_rest = [&](const Reply& reply) {
      for (size_t i = 0; i < n; ++i) finish(i, reply);
    };
    std::string why;
    if (n > 0 && !Connect(&why)) {
      fail_rest(Failed(action, why));
      return replies;
    }
    while (done < n) {
      while (sent < n && sent - done < window) {
        Queue(std::to_string(first_id + sent), action, bodies[sent]);
        ++sent;
      }
      const Io io = Pump(std::max(timeout_ms, 0), [&](std::string_view* f) {
        uint64_t id = 0;
        const auto [end, ec] =
            std::from_chars(f[0].data(), f[0].data() + f[0].size(), id);
        if (ec == std::errc() && end == f[0].data() + f[0].size() &&
            id >= first_id && id - first_id < sent) {
          finish(static_cast<size_t>(id - first_id),
                 Reply{f[1] == "ok", std::string(f[2])});
        }
      });
      if (io == Io::kBroken) fail_rest(Failed(action, broken_));
      // No progress for timeout_ms: give up on the rest.
      if (io == Io::kTimeout) fail_rest(NoAnswer(action, timeout_ms));
    }
    return replies;
  }

  // "unix://$FANLAB_SOCKET", or "" when it is not set.
  static std::string EndpointFromEnvironment() {
    return detail::EndpointFromEnvironment();
  }

 private:
  enum class Io { kProgress, kTimeout, kBroken };
  using Clock = std::chrono::steady_clock;

  static Clock::time_point Deadline(int timeout_ms) {
    return Clock::now() + std::chrono::milliseconds(std::max(timeout_ms, 0));
  }
  static int LeftMs(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - Clock::now());
    return static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT32_MAX));
  }

  bool Connect(std::string* why) {
    if (fd_ >= 0) return true;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *why = std::string("cannot make a socket: ") + std::strerror(errno);
      return false;
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    int r;
    do {
      r = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
      *why = "cannot connect to unix://" + path_ + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    fd_ = fd;
    return true;
  }

  void Disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    in_.clear();
    out_.clear();
  }

  static void AppendFrame(std::string& out, std::string_view frame) {
    const auto n = static_cast<uint32_t>(frame.size());
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(n >> (8 * i)));
    out.append(frame);
  }

  // One request's frames, behind what is still to be written.
  void Queue(const std::string& id, const std::string& action,
             const std::string& json_body) {
    const char count = access_key_id_.empty() ? 3 : 4;
    out_.append({count, 0, 0, 0});
    AppendFrame(out_, id);
    AppendFrame(out_, action);
    AppendFrame(out_, json_body);
    if (count == 4) AppendFrame(out_, access_key_id_);
  }

  static uint32_t U32(const char* p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
      v = (v << 8) | static_cast<unsigned char>(p[i]);
    }
    return v;
  }

  // Hands each whole reply in in_ ([request-id][status][body]) to
  // `on_reply`; a message of another shape is skipped. False when the
  // bytes are not messages at all.
  template <class OnReply>
  bool TakeReplies(OnReply& on_reply) {
    constexpr uint32_t kMaxFrames = 16;
    size_t at = 0;
    while (in_.size() - at >= 4) {
      const uint32_t count = U32(in_.data() + at);
      if (count == 0 || count > kMaxFrames) return false;
      std::string_view frames[kMaxFrames];
      size_t p = at + 4;
      bool whole = true;
      for (uint32_t i = 0; i < count && whole; ++i) {
        whole = in_.size() - p >= 4;
        if (!whole) break;
        const uint32_t length = U32(in_.data() + p);
        p += 4;
        whole = in_.size() - p >= length;
        if (whole) frames[i] = std::string_view(in_.data() + p, length);
        p += length;
      }
      if (!whole) break;
      if (count == 3) on_reply(frames);
      at = p;
    }
    in_.erase(0, at);
    return true;
  }

  // Writes what it can of out_ and reads what has come, waiting up to
  // `wait_ms` for either; each whole reply goes to `on_reply`. kTimeout:
  // the wait passed with nothing read; kBroken: the connection failed
  // (closed, with broken_ saying why).
  template <class OnReply>
  Io Pump(int wait_ms, OnReply on_reply) {
    const auto broke = [&](std::string why) {
      broken_ = std::move(why);
      Disconnect();
      return Io::kBroken;
    };
    while (true) {
      if (!out_.empty()) {
        const ssize_t n =
            ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
          out_.erase(0, static_cast<size_t>(n));
        } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
          return broke("the emulator's connection failed: " +
                       std::string(std::strerror(errno)));
        }
      }
      pollfd p{fd_, static_cast<short>(POLLIN | (out_.empty() ? 0 : POLLOUT)),
               0};
      const int ready = ::poll(&p, 1, wait_ms);
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return broke(std::strerror(errno));
      if (ready == 0) return Io::kTimeout;
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;  // POLLOUT
      // Read on the stack and appended: growing in_ by the chunk would
      // zero the whole chunk at every read.
      char chunk[16384];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) in_.append(chunk, static_cast<size_t>(n));
      if (n == 0) return broke("the emulator closed the connection");
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        return broke("the emulator's connection failed: " +
                     std::string(std::strerror(errno)));
      }
      if (!TakeReplies(on_reply)) {
        return broke("the emulator sent what is not a reply");
      }
      return Io::kProgress;
    }
  }

  static Reply Failed(const std::string& action, const std::string& why) {
    return Reply{false,
                 "{\"__type\":\"com.amazonaws.sqs#InternalError\","
                 "\"message\":" +
                     JsonString("No answer to " + action + ": " + why + ".") +
                     "}"};
  }

  static Reply NoAnswer(const std::string& action, int timeout_ms) {
    return Reply{false,
                 "{\"__type\":\"com.amazonaws.sqs#InternalError\","
                 "\"message\":" +
                     JsonString("No answer to " + action + " within " +
                                std::to_string(timeout_ms) + " ms.") +
                     "}"};
  }

  std::string path_;
  std::string access_key_id_;  // "" sends no access-key-id frame
  int fd_ = -1;
  std::string in_;   // read, not yet a whole reply
  std::string out_;  // queued, not yet written
  std::string broken_;
  uint64_t next_id_ = 1;
};

// The process's one Client (FANLAB_SOCKET), made on first use and kept
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
