#include "emulator/cli/endpoint.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "emulator/core/common_errors.h"
#include "emulator/queue/sqs_errors.h"
#include "emulator/transport/http_client.h"

namespace fanlab::cli {
namespace {

Status Invalid(std::string message) {
  return Status(sqs::kInvalidParameterValue, std::move(message));
}
Status Unreachable(std::string message) {
  return Status(common::kInternalError, std::move(message));
}

std::string_view SchemeOf(std::string_view endpoint) {
  size_t sep = endpoint.find("://");
  return sep == std::string_view::npos ? std::string_view()
                                       : endpoint.substr(0, sep);
}

// "host:port" of tcp://host:port, ws://host:port/path, http://host:port/...
// ("[::1]:9400" keeps IPv6 brackets out of the host).
bool SplitHostPort(std::string_view rest, std::string* host,
                   std::string* port) {
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return false;
    *host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (rest.empty()) return false;
    if (rest.front() != ':') return false;
    *port = std::string(rest.substr(1));
  } else {
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return false;
    *host = std::string(rest.substr(0, colon));
    *port = std::string(rest.substr(colon + 1));
  }
  return !host->empty() && !port->empty();
}

// Waits for a non-blocking connect on `fd`; "" when it succeeded.
std::string FinishConnect(int fd, int rc, std::chrono::milliseconds timeout) {
  if (rc == 0) return "";
  if (errno != EINPROGRESS) return std::strerror(errno);
  pollfd p{fd, POLLOUT, 0};
  int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (ready == 0) {
    return "no answer within " + std::to_string(timeout.count()) + " ms";
  }
  if (ready < 0) return std::strerror(errno);
  int error = 0;
  socklen_t len = sizeof(error);
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
  return error == 0 ? "" : std::strerror(error);
}

Status CheckTcp(std::string_view endpoint, std::string_view rest,
                std::chrono::milliseconds timeout) {
  std::string host, port;
  if (!SplitHostPort(rest, &host, &port)) {
    return Invalid("endpoint '" + std::string(endpoint) +
                   "' has no host:port (as in tcp://127.0.0.1:9400)");
  }
  if (host == "*" || port == "*") {
    return Invalid("endpoint '" + std::string(endpoint) +
                   "' is a wildcard: name the host and port to connect to");
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    return Unreachable("cannot resolve " + host + ":" + port + " (" +
                       ::gai_strerror(rc) + ")");
  }
  std::string why = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 a->ai_protocol);
    if (fd < 0) continue;
    why = FinishConnect(fd, ::connect(fd, a->ai_addr, a->ai_addrlen), timeout);
    ::close(fd);
    if (why.empty()) break;
  }
  ::freeaddrinfo(found);
  if (why.empty()) return Status::Ok();
  return Unreachable("nothing is listening on " + host + ":" + port + " (" +
                     why + ")");
}

Status CheckUnix(std::string_view endpoint, std::string_view path,
                 std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return Invalid("endpoint '" + std::string(endpoint) +
                   "': the socket path is empty or too long");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  socklen_t len = offsetof(sockaddr_un, sun_path) + path.size();
  if (path.front() == '@') {
    addr.sun_path[0] = '\0';  // abstract: no trailing NUL in the length
  } else {
    len += 1;
  }
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return Unreachable(std::string("socket: ") + std::strerror(errno));
  std::string why = FinishConnect(
      fd, ::connect(fd, reinterpret_cast<sockaddr*>(&addr), len), timeout);
  ::close(fd);
  if (why.empty()) return Status::Ok();
  return Unreachable("nothing is listening on " + std::string(path) + " (" +
                     why + ")");
}

}  // namespace

Result<Transport> TransportOf(std::string_view endpoint) {
  std::string_view scheme = SchemeOf(endpoint);
  if (scheme == "tcp" || scheme == "ipc" || scheme == "ws" || scheme == "wss" ||
      scheme == "unix") {
    return Transport::kZeroMq;
  }
  if (scheme == "http") return Transport::kHttp;
  std::string why =
      scheme.empty() ? "has no scheme"
      : scheme == "https"
          ? "is https://, which fanlab does not serve (use http://)"
      : scheme == "inproc"
          ? "is inproc://, a socket inside another process"
          : "has the unknown scheme '" + std::string(scheme) + "://'";
  return Invalid("endpoint '" + std::string(endpoint) + "' " + why +
                 ": use http://HOST:PORT (the HTTP front) or "
                 "tcp://HOST:PORT, ipc://PATH, ws://HOST:PORT (ZeroMQ) or "
                 "unix://PATH (a function's FANLAB_ENDPOINT)");
}

Status CheckReachable(std::string_view endpoint,
                      std::chrono::milliseconds timeout) {
  auto transport = TransportOf(endpoint);
  if (!transport.ok()) return transport.status();
  std::string_view scheme = SchemeOf(endpoint);
  std::string_view rest = endpoint.substr(scheme.size() + 3);
  if (scheme == "ipc" || scheme == "unix") {
    return CheckUnix(endpoint, rest, timeout);
  }
  return CheckTcp(endpoint, rest, timeout);
}

Result<transport::Reply> HttpCall(std::string_view base_url,
                                  std::string_view service,
                                  std::string_view action,
                                  std::string_view body,
                                  std::chrono::milliseconds timeout,
                                  std::string_view auth_token) {
  boost::asio::io_context io;
  transport::HttpClientOptions options;
  options.timeout = timeout;
  options.max_response_body = 80 * 1024 * 1024;  // the largest S3 answer
  transport::HttpClient client(io, options);
  transport::HttpCall call;
  call.method = "POST";
  call.url = std::string(base_url);
  if (call.url.ends_with('/')) call.url.pop_back();
  call.url += "/";
  std::string target = service.empty()
                           ? std::string(action)
                           : std::string(service) + ":" + std::string(action);
  call.headers.push_back({"X-Amz-Target", target});
  call.headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
  std::string token(auth_token);
  if (const char* env = std::getenv("FANLAB_AUTH_TOKEN");
      token.empty() && env != nullptr) {
    token = env;
  }
  if (!token.empty()) {
    // Only the access key id is read; the signature is not checked.
    call.headers.push_back(
        {"Authorization", "AWS4-HMAC-SHA256 Credential=" + token +
                              "/20240101/us-east-1/" + std::string(service) +
                              "/aws4_request, SignedHeaders=host, "
                              "Signature=0"});
  }
  call.body = std::string(body);
  std::optional<Result<services::HttpResponse>> got;
  client.Request(std::move(call), [&](Result<services::HttpResponse> r) {
    got.emplace(std::move(r));
  });
  io.run();
  if (!got) return Unreachable("no answer from " + std::string(base_url));
  if (!got->ok()) return got->status();
  transport::Reply reply;
  reply.ok = (*got)->status >= 200 && (*got)->status < 300;
  reply.body = std::move((*got)->body);
  return reply;
}

}  // namespace fanlab::cli
