// The SDK's HTTP/1.1 client, on plain POSIX sockets (no library): one-shot
// requests for callbacks and sinks (HttpRequest, HttpPost) and a keep-alive
// connection (HttpConnection) for the Lambda Runtime API loop. http://
// only. Never throws; SIGPIPE is never raised (MSG_NOSIGNAL).
//
// Thread safety: HttpRequest() is reentrant; an HttpConnection belongs to
// one thread at a time.
#ifndef FANLAB_FUNCTIONS_SDK_FANLAB_HTTP_H_
#define FANLAB_FUNCTIONS_SDK_FANLAB_HTTP_H_

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fanlab::sdk {

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

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The answer to HttpRequest(): a response (any status, 4xx and 5xx
// included), or why there is none.
struct HttpResult {
  int status = 0;       // the response's status code; 0 when there is none
  HttpHeaders headers;  // as received
  std::string body;     // de-chunked
  std::string error;    // why there is no response; "" when there is one

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
inline HttpResult HttpRequest(const std::string& method, const std::string& url,
                              const std::string& body = "",
                              const HttpHeaders& headers = {},
                              int timeout_ms = 10000);

// HttpRequest("POST", url, body, headers, timeout_ms).
inline HttpResult HttpPost(const std::string& url, const std::string& body,
                           const HttpHeaders& headers = {},
                           int timeout_ms = 10000) {
  return HttpRequest("POST", url, body, headers, timeout_ms);
}

namespace detail {

// An open socket, closed on scope exit. Movable, not copyable.
class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

using SteadyTime = std::chrono::steady_clock::time_point;
// The deadline of a wait without one.
inline constexpr SteadyTime kNoDeadline = SteadyTime::max();

}  // namespace detail

// A keep-alive HTTP/1.1 connection to one server (`host`: a name, an IPv4
// address or an IPv6 one without brackets): requests go out one at a time
// on the same socket, opened on first use and reopened when the server has
// closed it. Movable, not copyable.
class HttpConnection {
 public:
  HttpConnection(std::string host, std::string port)
      : host_(std::move(host)), port_(std::move(port)) {}

  // "host:port" or "[v6]:port" (AWS_LAMBDA_RUNTIME_API's form); nullopt
  // when it is not one.
  static std::optional<HttpConnection> FromAddress(std::string_view address);

  // Sends `method target` (target: "/path?query") with `body` and `headers`
  // (Host, Content-Length and Connection are set here) and reads the reply.
  // `timeout` bounds the connect, the send and the whole reply; nullopt
  // waits for ever (the Runtime API's blocking `next`). A kept connection
  // the server closed before any byte of the reply arrived is reopened
  // once and the request sent again. After a failure (result.error set)
  // the connection is closed; the next request opens a new one.
  HttpResult Request(
      const std::string& method, const std::string& target,
      const std::string& body = "", const HttpHeaders& headers = {},
      std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  bool connected() const { return socket_.fd() >= 0; }

 private:
  std::string host_;
  std::string port_;
  detail::Socket socket_;
};

namespace detail {

// Waits until `fd` is ready for `events` or `deadline` passes (kNoDeadline:
// for ever); false on a timeout (errno ETIMEDOUT) or a poll error.
inline bool WaitFor(int fd, short events, SteadyTime deadline) {
  while (true) {
    int wait_ms = -1;
    if (deadline != kNoDeadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        errno = ETIMEDOUT;
        return false;
      }
      wait_ms =
          static_cast<int>(std::min<int64_t>(left.count(), int64_t{1} << 30));
    }
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      if (deadline == kNoDeadline) continue;
      errno = ETIMEDOUT;
      return false;
    }
    return true;
  }
}

inline SteadyTime DeadlineAfter(std::optional<std::chrono::milliseconds> t) {
  if (!t) return kNoDeadline;
  return std::chrono::steady_clock::now() +
         std::max(*t, std::chrono::milliseconds(0));
}

// Decodes a chunked body; false when it is incomplete or bad.
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

// Splits "http://host[:port][/path][?query]" into its host (brackets
// removed), port ("80" when absent) and target ("/" when absent). Returns
// "" or why the URL is refused.
inline std::string ParseHttpUrl(const std::string& url, std::string* host,
                                std::string* port, std::string* target) {
  const std::string_view scheme = "http://";
  if (url.size() < scheme.size() ||
      !EqualsIgnoreCase(std::string_view(url).substr(0, 7), scheme)) {
    return "only http:// URLs are supported: " + url;
  }
  std::string_view rest = std::string_view(url).substr(scheme.size());
  const size_t slash = rest.find_first_of("/?#");
  const std::string_view authority = rest.substr(0, slash);
  *target =
      std::string(slash == std::string_view::npos ? "/" : rest.substr(slash));
  *target = target->substr(0, target->find('#'));
  if (target->empty() || (*target)[0] == '?') *target = "/" + *target;
  *port = "80";
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return "bad host in " + url;
    *host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return "bad host in " + url;
      *port = std::string(authority.substr(close + 2));
    }
  } else {
    const size_t colon = authority.rfind(':');
    *host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      *port = std::string(authority.substr(colon + 1));
    }
  }
  if (host->empty() || port->empty() ||
      port->find_first_not_of("0123456789") != std::string::npos) {
    return "bad host or port in " + url;
  }
  return "";
}

// Opens a TCP connection to host:port (non-blocking, TCP_NODELAY) before
// `deadline` (name resolution excepted: getaddrinfo cannot be bounded). On
// failure the socket is closed and `*error` says why.
inline Socket Connect(const std::string& host, const std::string& port,
                      SteadyTime deadline, std::string* error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
      rc != 0) {
    *error = "cannot resolve " + host + ": " + ::gai_strerror(rc);
    return Socket();
  }
  Socket sock;
  std::string connect_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    Socket s(::socket(a->ai_family,
                      a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                      a->ai_protocol));
    if (s.fd() < 0) {
      connect_error = std::strerror(errno);
      continue;
    }
    int rc = ::connect(s.fd(), a->ai_addr, a->ai_addrlen);
    if (rc < 0 && errno == EINPROGRESS) {
      if (!WaitFor(s.fd(), POLLOUT, deadline)) {
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
    *error = "cannot connect to " + host + ":" + port + ": " + connect_error;
    return sock;
  }
  const int one = 1;
  ::setsockopt(sock.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return sock;
}

// The request's head and body. Returns "" or why it cannot be sent (a
// method or target with spaces or line breaks, a header with CR or LF).
inline std::string BuildRequest(
    const std::string& method, const std::string& target,
    const std::string& host, const std::string& port, const std::string& body,
    const HttpHeaders& headers, bool keep_alive, std::string* request) {
  for (const std::string_view part :
       {std::string_view(method), std::string_view(target)}) {
    if (part.empty() || part.find_first_of(" \r\n") != std::string_view::npos) {
      return "bad method or target: " + method + " " + target;
    }
  }
  *request = method + " " + target + " HTTP/1.1\r\nHost: " +
             (host.find(':') != std::string::npos ? "[" + host + "]" : host) +
             (port == "80" ? "" : ":" + port) +
             "\r\nUser-Agent: fanlab-sdk\r\nConnection: " +
             (keep_alive ? "keep-alive" : "close") +
             "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, "Host") || EqualsIgnoreCase(k, "Content-Length") ||
        EqualsIgnoreCase(k, "Connection")) {
      continue;
    }
    if ((k + v).find_first_of("\r\n") != std::string::npos) {
      return "header " + k + " holds CR or LF";
    }
    *request += k + ": " + v + "\r\n";
  }
  *request += "\r\n";
  *request += body;
  return "";
}

// Sends all of `data` before `deadline`; false with errno set on failure.
inline bool SendAll(int fd, std::string_view data, SteadyTime deadline) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!WaitFor(fd, POLLOUT, deadline)) return false;
      continue;
    }
    return false;
  }
  return true;
}

// How ReadReply() ended, beyond the result it fills.
struct ReplyEnd {
  bool any_byte = false;  // a byte of the reply arrived
  bool reusable = false;  // the connection may carry another request
};

// Reads one reply to `method` from `fd` into `result` until it is complete
// (Content-Length, chunked) or the server closes; messages name `from`.
// `timeout_ms` only words the timeout's message. A reply over 64 MiB is an
// error. On failure result->error is set and the rest of it cleared.
inline ReplyEnd ReadReply(int fd, std::string_view method, SteadyTime deadline,
                          const std::string& from, int64_t timeout_ms,
                          HttpResult* result) {
  ReplyEnd end;
  const auto fail = [&](std::string why) {
    result->status = 0;
    result->headers.clear();
    result->body.clear();
    result->error = std::move(why);
    end.reusable = false;
    return end;
  };
  constexpr size_t kMaxReply = size_t{64} << 20;
  std::string in;
  size_t header_end = std::string::npos;
  std::optional<uint64_t> length;
  bool chunked = false, no_body = false, close = false;
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
          return fail("not an HTTP reply from " + from);
        }
        const auto [e, ec] = std::from_chars(
            status_line.data() + 9, status_line.data() + 12, result->status);
        if (ec != std::errc() || e != status_line.data() + 12) {
          return fail("bad status line from " + from);
        }
        close = status_line.starts_with("HTTP/1.0");
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
          result->headers.emplace_back(std::string(line.substr(0, colon)),
                                       std::string(value));
        }
        for (const auto& [k, v] : result->headers) {
          if (EqualsIgnoreCase(k, "Content-Length")) {
            uint64_t n = 0;
            const auto [e2, err] =
                std::from_chars(v.data(), v.data() + v.size(), n);
            if (err != std::errc() || e2 != v.data() + v.size()) {
              return fail("bad Content-Length from " + from);
            }
            length = n;
          } else if (EqualsIgnoreCase(k, "Transfer-Encoding")) {
            chunked = v.find("chunked") != std::string::npos;
          } else if (EqualsIgnoreCase(k, "Connection")) {
            close = close || EqualsIgnoreCase(v, "close");
          }
        }
        no_body = method == "HEAD" || result->status == 204 ||
                  result->status == 304 || result->status / 100 == 1;
        header_end += 4;
      }
    }
    if (header_end != std::string::npos) {
      const std::string_view got = std::string_view(in).substr(header_end);
      if (no_body) {
        result->body.clear();
        end.reusable = !close;
        return end;
      }
      if (chunked && Dechunk(got, &result->body)) {
        end.reusable = !close;
        return end;
      }
      if (!chunked && length && got.size() >= *length) {
        result->body = std::string(got.substr(0, static_cast<size_t>(*length)));
        end.reusable = !close;
        return end;
      }
    }
    if (in.size() > kMaxReply) return fail("reply over 64 MiB from " + from);
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      in.append(buffer, static_cast<size_t>(n));
      end.any_byte = true;
      continue;
    }
    if (n == 0) {  // the server closed
      if (header_end == std::string::npos) {
        return fail("connection closed before a reply from " + from);
      }
      if (chunked || length) {
        return fail("connection closed inside the reply from " + from);
      }
      result->body = in.substr(header_end);  // delimited by the close
      end.reusable = false;
      return end;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!WaitFor(fd, POLLIN, deadline)) {
        return fail(errno == ETIMEDOUT ? "no reply from " + from + " within " +
                                             std::to_string(timeout_ms) + " ms"
                                       : "cannot read from " + from + ": " +
                                             std::strerror(errno));
      }
      continue;
    }
    if (errno == ECONNRESET && !end.any_byte) {
      return fail("connection closed before a reply from " + from);
    }
    return fail("cannot read from " + from + ": " + std::strerror(errno));
  }
}

}  // namespace detail

inline HttpResult HttpRequest(const std::string& method, const std::string& url,
                              const std::string& body,
                              const HttpHeaders& headers, int timeout_ms) {
  HttpResult result;
  const auto fail = [&](std::string why) {
    result.error = std::move(why);
    return result;
  };
  const detail::SteadyTime deadline =
      detail::DeadlineAfter(std::chrono::milliseconds(timeout_ms));
  std::string host, port, target, request;
  if (std::string e = detail::ParseHttpUrl(url, &host, &port, &target);
      !e.empty()) {
    return fail(std::move(e));
  }
  if (std::string e = detail::BuildRequest(method, target, host, port, body,
                                           headers, false, &request);
      !e.empty()) {
    return fail(e.starts_with("bad method")
                    ? "bad method or URL: " + method + " " + url
                    : std::move(e));
  }
  std::string error;
  const detail::Socket sock = detail::Connect(host, port, deadline, &error);
  if (sock.fd() < 0) return fail(std::move(error));
  if (!detail::SendAll(sock.fd(), request, deadline)) {
    return fail("cannot send to " + url + ": " + std::strerror(errno));
  }
  detail::ReadReply(sock.fd(), method, deadline, url, timeout_ms, &result);
  return result;
}

inline std::optional<HttpConnection> HttpConnection::FromAddress(
    std::string_view address) {
  std::string host, port, target;
  if (address.empty() || address.find_first_of("/?#") != std::string::npos ||
      !detail::ParseHttpUrl("http://" + std::string(address), &host, &port,
                            &target)
           .empty() ||
      address.find(':') == std::string_view::npos) {
    return std::nullopt;
  }
  return HttpConnection(std::move(host), std::move(port));
}

inline HttpResult HttpConnection::Request(
    const std::string& method, const std::string& target,
    const std::string& body, const HttpHeaders& headers,
    std::optional<std::chrono::milliseconds> timeout) {
  HttpResult result;
  const detail::SteadyTime deadline = detail::DeadlineAfter(timeout);
  const std::string from = host_ + ":" + port_ + target;
  std::string request;
  if (std::string e = detail::BuildRequest(method, target, host_, port_, body,
                                           headers, true, &request);
      !e.empty()) {
    result.error = std::move(e);
    return result;
  }
  // A kept connection may have been closed by the server since the last
  // reply; that shows as a failed send or a close before any byte, and is
  // worth one retry on a fresh connection. A fresh one gets no retry.
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool kept = connected();
    if (!kept) {
      std::string error;
      socket_ = detail::Connect(host_, port_, deadline, &error);
      if (!connected()) {
        result.error = std::move(error);
        return result;
      }
    }
    result = HttpResult();
    if (!detail::SendAll(socket_.fd(), request, deadline)) {
      result.error = "cannot send to " + from + ": " + std::strerror(errno);
      socket_ = detail::Socket();
      if (kept) continue;
      return result;
    }
    const detail::ReplyEnd end = detail::ReadReply(
        socket_.fd(), method, deadline, from,
        timeout ? static_cast<int64_t>(timeout->count()) : -1, &result);
    if (!end.reusable) socket_ = detail::Socket();
    if (!result.ok() && kept && !end.any_byte) continue;
    return result;
  }
  return result;
}

}  // namespace fanlab::sdk

#endif  // FANLAB_FUNCTIONS_SDK_FANLAB_HTTP_H_
