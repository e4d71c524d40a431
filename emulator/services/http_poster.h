// Plain HTTP messages and the one interface services use to make HTTP
// calls (SNS http/https subscriptions, sink callbacks, ...). No Beast and
// no sockets here: transport::HttpClient implements HttpPoster on the
// engine's loop, and a test hands a service a fake instead.
//
// Thread safety: none; everything runs on the engine thread.
#ifndef FANLAB_EMULATOR_SERVICES_HTTP_POSTER_H_
#define FANLAB_EMULATOR_SERVICES_HTTP_POSTER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/core/ascii.h"
#include "emulator/core/status.h"
#include "emulator/core/utf8.h"

namespace fanlab::services {

// Header fields in the order they came, names spelled as they came (HTTP
// field names are case-insensitive: look them up with FindHeader).
using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// One request as the HTTP front received it.
struct HttpRequest {
  std::string method;  // as sent: "GET", "POST", ...
  std::string path;    // the target's path, still percent-encoded: "/a%20b"
  std::string query;   // what follows '?', raw; "" when there is none
  HttpHeaders headers;
  std::string body;
  std::string source_ip;     // the peer's address: "127.0.0.1"
  uint16_t source_port = 0;  // the peer's TCP port (0: not known)
  // The connection it came on, unique within its server for the server's
  // life (0: not known).
  uint64_t connection = 0;
};

// One answer.
struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
};

// True when `a` and `b` are the same header name: ASCII letters compared
// without case (HTTP field names are case-insensitive), every other byte
// as it is. The one such compare the HTTP code uses.
inline bool HeaderNameEquals(std::string_view a, std::string_view b) {
  return EqualsIgnoringAsciiCase(a, b);
}

// True when `name` can be sent as a header name: one or more token
// characters (RFC 9110 5.1 and 5.6.2: letters, digits and
// "!#$%&'*+-.^_`|~"). Anything else (empty, a space, ':', CR, LF, a
// control or non-ASCII byte) would corrupt the message or split it in two.
inline bool ValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    bool token =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') ||
        std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!token) return false;
  }
  return true;
}

// True when `value` can be sent as a header value (RFC 9110 5.5): no
// control characters (bytes 0x00-0x1F and DEL) but horizontal tab; bytes
// 0x80 and up (obs-text, UTF-8) are allowed.
inline bool ValidHeaderValue(std::string_view value) {
  for (char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7F) return false;
  }
  return true;
}

// The value of the last field named `name` (HeaderNameEquals), or null.
inline const std::string* FindHeader(const HttpHeaders& headers,
                                     std::string_view name) {
  const std::string* found = nullptr;
  for (const auto& [k, v] : headers) {
    if (HeaderNameEquals(k, name)) found = &v;
  }
  return found;
}

class HttpPoster {
 public:
  // The answer: the response's status code (any code, 4xx and 5xx
  // included, is a value), or why there is none: InvalidParameterValue
  // for a URL that cannot be called (not http://, no host, bad port) or a
  // header that cannot be sent, InternalError for a failed connection, a
  // timeout or a reply that is not HTTP (the message says which).
  using Done = std::function<void(Result<int> status)>;

  virtual ~HttpPoster() = default;

  // POSTs `body` to `url` ("http://host:port/path?query") with `headers`
  // sent in their order, every repeat of a name kept in its order (the
  // lines of one name may be sent together, where its first one is: the
  // order of different names carries no meaning in HTTP). Host,
  // Content-Length, Connection and Transfer-Encoding are the poster's
  // own: given ones are ignored. A header whose name is not
  // ValidHeaderName or whose value is not ValidHeaderValue is
  // InvalidParameterValue, and nothing is sent. `done` runs exactly once,
  // on the engine thread, and never before Post returns; it does not run
  // when the poster is destroyed first.
  virtual void Post(std::string url, HttpHeaders headers, std::string body,
                    Done done) = 0;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_HTTP_POSTER_H_
