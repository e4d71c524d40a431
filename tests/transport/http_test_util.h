// A raw blocking HTTP client for the transport tests: plain POSIX sockets
// on 127.0.0.1, so that a test can send half a header, stall, pipeline or
// read an interim 100 Continue, which no well-behaved client library does.
// Every read has a 10-second hang guard (SO_RCVTIMEO).
#ifndef FANLAB_TESTS_TRANSPORT_HTTP_TEST_UTIL_H_
#define FANLAB_TESTS_TRANSPORT_HTTP_TEST_UTIL_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace fanlab::testing {

// The port of "http://127.0.0.1:PORT".
inline uint16_t PortOf(std::string_view url) {
  return static_cast<uint16_t>(
      std::atoi(std::string(url.substr(url.rfind(':') + 1)).c_str()));
}

class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval guard{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &guard, sizeof guard);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  // This end's port.
  uint16_t local_port() const {
    sockaddr_in a{};
    socklen_t size = sizeof a;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &size) != 0) {
      return 0;
    }
    return ntohs(a.sin_port);
  }

  // True when bytes (or the peer's close) wait to be read, without
  // waiting for them.
  bool Readable() const {
    if (!buffer_.empty()) return true;
    char c;
    return ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT) >= 0;
  }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  struct Response {
    int status = 0;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
  };

  // Reads one response (Content-Length framed, or up to the close);
  // nullopt when the connection closes first or the guard expires.
  std::optional<Response> Read(bool head = false) {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    Response r;
    std::string head_text = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    r.status = std::atoi(head_text.substr(9, 3).c_str());
    size_t pos = head_text.find("\r\n");
    while (pos != std::string::npos) {
      size_t next = head_text.find("\r\n", pos + 2);
      std::string line = head_text.substr(pos + 2, next - pos - 2);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(c));
        size_t v = line.find_first_not_of(' ', colon + 1);
        r.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = next;
    }
    if (head || r.status / 100 == 1 || r.status == 204) return r;
    auto length = r.headers.find("content-length");
    if (length == r.headers.end()) {
      while (Fill()) {
      }
      r.body = std::move(buffer_);
      buffer_.clear();
      return r;
    }
    size_t n = std::strtoul(length->second.c_str(), nullptr, 10);
    while (buffer_.size() < n) {
      if (!Fill()) return std::nullopt;
    }
    r.body = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return r;
  }

  // True when the server has closed the connection (reads end of file,
  // or a reset), within the guard.
  bool Closed() {
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    if (n > 0) buffer_.push_back(c);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  bool Fill() {
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

}  // namespace fanlab::testing

#endif  // FANLAB_TESTS_TRANSPORT_HTTP_TEST_UTIL_H_
