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
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/core/status.h"

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
  std::string source_ip;  // the peer's address: "127.0.0.1"
};

// One answer.
struct HttpResponse {
  int status = 200;
  HttpHeaders headers;
  std::string body;
};

// The value of the last field named `name` (case-insensitively), or null.
inline const std::string* FindHeader(const HttpHeaders& headers,
                                     std::string_view name) {
  const std::string* found = nullptr;
  for (const auto& [k, v] : headers) {
    if (k.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; same && i < k.size(); ++i) {
      char a = k[i], b = name[i];
      if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
      if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
      same = a == b;
    }
    if (same) found = &v;
  }
  return found;
}

// True when `bytes` is well-formed UTF-8 (shortest forms, no surrogates,
// at most U+10FFFF): such a body can travel as JSON text; any other goes
// base64-encoded.
inline bool IsUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    uint32_t cp = 0, min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > bytes.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(bytes[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

class HttpPoster {
 public:
  // The answer: the response's status code (any code, 4xx and 5xx
  // included, is a value), or why there is none: InvalidParameterValue
  // for a URL that cannot be called (not http://, no host, bad port),
  // InternalError for a failed connection, a timeout or a reply that is
  // not HTTP (the message says which).
  using Done = std::function<void(Result<int> status)>;

  virtual ~HttpPoster() = default;

  // POSTs `body` to `url` ("http://host:port/path?query") with `headers`
  // (Host, Content-Length and Connection are set by the poster). `done`
  // runs exactly once, on the engine thread, and never before Post
  // returns; it does not run when the poster is destroyed first.
  virtual void Post(std::string url, std::map<std::string, std::string> headers,
                    std::string body, Done done) = 0;
};

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_HTTP_POSTER_H_
