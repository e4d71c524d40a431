// fanlab-bench-bootstrap: the smallest Lambda Runtime API client, for
// `fanlab bench invoke`. One keep-alive connection to
// AWS_LAMBDA_RUNTIME_API, raw sockets, no library: GET next, POST the event
// back as the response, again. Reconnects when the server closes the
// connection; exits when it cannot connect at all.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

int Connect(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return -1;
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port =
      htons(static_cast<uint16_t>(std::atoi(address.c_str() + colon + 1)));
  if (::inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr) !=
      1) {
    return -1;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool WriteAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The value of header `name` (lower-case) in `head`, or "".
std::string HeaderValue(const std::string& head, std::string_view name) {
  size_t at = 0;
  while ((at = head.find("\r\n", at)) != std::string::npos) {
    at += 2;
    size_t colon = head.find(':', at);
    size_t end = head.find("\r\n", at);
    if (colon == std::string::npos || colon > end) continue;
    std::string key = head.substr(at, colon - at);
    for (char& c : key) c = static_cast<char>(std::tolower(c));
    if (key == name) {
      size_t v = colon + 1;
      while (v < end && head[v] == ' ') ++v;
      return head.substr(v, end - v);
    }
  }
  return "";
}

// Reads one response: its head and its body (Content-Length framed).
// `buffer` keeps bytes read past it.
bool ReadResponse(int fd, std::string& buffer, std::string& head,
                  std::string& body) {
  char chunk[65536];
  size_t end;
  while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  head = buffer.substr(0, end + 2);
  size_t length =
      std::strtoull(HeaderValue(head, "content-length").c_str(), nullptr, 10);
  size_t start = end + 4;
  while (buffer.size() < start + length) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  body = buffer.substr(start, length);
  buffer.erase(0, start + length);
  return true;
}

}  // namespace

int main() {
  const char* api = std::getenv("AWS_LAMBDA_RUNTIME_API");
  if (api == nullptr) {
    std::fprintf(stderr, "AWS_LAMBDA_RUNTIME_API is not set\n");
    return 2;
  }
  const std::string next =
      "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: "
      "runtime\r\n\r\n";
  std::string buffer, head, body;
  while (true) {
    int fd = Connect(api);
    if (fd < 0) return 1;
    buffer.clear();
    while (WriteAll(fd, next) && ReadResponse(fd, buffer, head, body)) {
      std::string id = HeaderValue(head, "lambda-runtime-aws-request-id");
      if (id.empty()) continue;  // refused; ask again
      std::string post = "POST /2018-06-01/runtime/invocation/" + id +
                         "/response HTTP/1.1\r\nHost: runtime\r\n"
                         "Content-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body;
      if (!WriteAll(fd, post) || !ReadResponse(fd, buffer, head, body)) break;
    }
    ::close(fd);
  }
}
