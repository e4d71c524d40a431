// Plain HTTP messages and the one interface services use to make HTTP
// calls (SNS http/https subscriptions, sink callbacks, ...). No Beast and
// no sockets here: transport::HttpClient implements HttpPoster on the
// engine's loop, and a test hands a service a fake instead.
//
// Thread safety: none; everything runs on the engine thread.
#ifndef FANLAB_EMULATOR_SERVICES_HTTP_POSTER_H_
#define FANLAB_EMULATOR_SERVICES_HTTP_POSTER_H_

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
