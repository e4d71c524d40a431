// HTTP routes as API Gateway's REST API runs them with Lambda proxy
// integrations: a method and a resource path template ("/user/{username}",
// "/files/{proxy+}") served by a function that gets API Gateway's proxy
// event and answers {statusCode, headers, multiValueHeaders, body,
// isBase64Encoded}. docs/services.md is the user's view.
//
// A route with payload format "2.0" is served as an HTTP API's Lambda
// integration instead: the function gets the version 2.0 event (routeKey,
// rawPath, rawQueryString, cookies, lower-case headers and query values
// joined with commas, requestContext.http) and its answer is read by the
// 2.0 rules: an answer without statusCode (a string, an object, any JSON)
// is a 200 application/json body; one with statusCode gives statusCode,
// headers, cookies (each a Set-Cookie header), body and isBase64Encoded.
// Its gateway errors are the HTTP API's: 500 {"message":"Internal Server
// Error"} for a function error or a malformed answer, 503 {"message":
// "Service Unavailable"} for a timeout.
//
// Matching, as API Gateway does it: the path is cut into segments; at each
// level a literal segment beats a {param}, which beats a greedy {name+}
// (one or more segments, always last); a method beats ANY. A request no
// route serves is 403 {"message":"Missing Authentication Token"} (what a
// REST API answers for an unknown path or method); a missing or wrong
// x-api-key on a route that requires one is 403 {"message":"Forbidden"}.
//
// The function is called through an injected Invoker (the engine passes
// FunctionService::Invoke), so this file is pure: no sockets, no
// processes, time from the Clock, ids from the IdGenerator.
//
// Thread safety: none; the engine thread owns it. Invoker callbacks and
// Clock timers must run on that thread.
#ifndef FANLAB_EMULATOR_SERVICES_ROUTE_SERVICE_H_
#define FANLAB_EMULATOR_SERVICES_ROUTE_SERVICE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/compute/function_service.h"
#include "emulator/core/account.h"
#include "emulator/core/clock.h"
#include "emulator/core/ids.h"
#include "emulator/core/status.h"
#include "emulator/services/http_poster.h"
#include "emulator/services/service_observer.h"

namespace fanlab::services {

// Paths fanlab serves itself on the HTTP front: the clock requests of
// function processes (the engine's; docs/protocol.md). No route may be
// put under it, as none may under kSinkPrefix.
inline constexpr std::string_view kFanlabPrefix = "/_fanlab/";

// The largest template CreateRoute takes, in bytes and in segments.
// Generous for any real API (API Gateway's own URLs stop at 8192 bytes),
// and they bound the work one CreateRoute, DeleteRoute or Match does.
inline constexpr size_t kMaxRoutePathBytes = 8192;
inline constexpr size_t kMaxRouteSegments = 100;

// One route (an API Gateway resource's method with a proxy integration).
struct Route {
  std::string method;    // GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS or ANY
  std::string path;      // the template: "/", "/user/{username}/schedules"
  std::string function;  // FunctionName of the function serving it
  bool api_key_required = false;
  std::vector<std::string> api_keys;  // accepted x-api-key values
  // Set by CreateRoute: the resource's id (the same for every method of
  // one path, like API Gateway's resourceId).
  std::string resource_id;
  // "1.0" (REST API proxy event, the default) or "2.0" (HTTP API).
  std::string payload_format = "1.0";
};

struct RouteServiceOptions {
  std::string stage = "prod";        // requestContext.stage
  std::string api_id = "fanlab000";  // requestContext.apiId
  std::string account = Account{}.id;
  // API Gateway's integration timeout (29 s for REST APIs): a function
  // that has not answered by then is a 504, and its late answer dropped.
  Duration integration_timeout = std::chrono::seconds(29);
};

// The result of matching a request path against the routes.
struct RouteMatch {
  const Route* route = nullptr;
  // {name} -> the segment (percent-decoded); {name+} -> the rest of the
  // path (decoded), its slashes kept.
  std::map<std::string, std::string> path_parameters;
};

class RouteService {
 public:
  using InvokeDone = std::function<void(Result<compute::InvokeResult>)>;
  // Calls function `name` synchronously with `payload` (RequestResponse);
  // `done` runs once, later, on the engine thread.
  using Invoker = std::function<void(const std::string& name,
                                     std::string payload, InvokeDone done)>;
  using Respond = std::function<void(HttpResponse)>;

  // `clock` and `ids` must outlive the service.
  RouteService(Clock& clock, IdGenerator& ids, Invoker invoker,
               RouteServiceOptions options = {});
  // Pending requests are dropped unanswered; their timers cancelled.
  ~RouteService();
  RouteService(const RouteService&) = delete;
  RouteService& operator=(const RouteService&) = delete;

  // Adds a route and returns it with its resource_id; the method is
  // upper-cased. Errors: InvalidParameterValueException (bad method; a
  // path that is not "/" or "/seg/..." with segments of letters, digits
  // and "-._~:@!$&'()*+,;=", or "{name}" with name of letters, digits,
  // '.', '_', '-', or a last "{name+}"; a name used twice; two {params}
  // of different names at one level; a path under the reserved "/_sinks"
  // or "/_fanlab";
  // a path over kMaxRoutePathBytes or kMaxRouteSegments; no FunctionName;
  // ApiKeyRequired without ApiKeys; a payload format other than "1.0" or
  // "2.0"),
  // ResourceConflictException (the method is already defined on the
  // path, ANY included).
  Result<Route> CreateRoute(Route route);
  // Errors: ResourceNotFoundException.
  Status DeleteRoute(std::string_view method, std::string_view path);
  // Sorted by path, then method.
  std::vector<Route> ListRoutes() const;

  // The route serving `method` on `path` (percent-encoded, as sent), or
  // nullopt. Exposed for tests and the front's 403.
  std::optional<RouteMatch> Match(std::string_view method,
                                  std::string_view path) const;

  // Serves one request: 403s as the header says; else invokes the route's
  // function with the proxy event and answers with its reply, or 502
  // {"message":"Internal server error"} (a function error or a malformed
  // reply: among others a statusCode outside 200-599, a header name that
  // is not ValidHeaderName or a value that is not ValidHeaderValue), 504
  // {"message":"Endpoint request timed out"} (the function's timeout, or
  // the integration timeout), 500 (the function could not be invoked:
  // missing, throttled), 413 (an event over Lambda's 6 MB). `respond`
  // runs exactly once: maybe before Handle returns, maybe later; never if
  // the service is destroyed first.
  void Handle(const HttpRequest& request, Respond respond);

  // Events: RouteCreated, RouteDeleted (resource "METHOD /path"),
  // RouteRequest (resource: the route's path template, or "" when none
  // matched; key: the request id; detail: method, path, status,
  // function).
  void SetObserver(ServiceObserver* observer) { observer_ = observer; }

  // Requests waiting for their function.
  size_t pending() const { return pending_.size(); }

  // Where the HTTP front serves ("http://127.0.0.1:PORT"), for the actions'
  // answers; "" while it is not bound.
  void SetBaseUrl(std::string url) { base_url_ = std::move(url); }
  const std::string& base_url() const { return base_url_; }

 private:
  struct Node;
  struct Pending;

  static bool Walk(const Node& node,
                   const std::vector<std::string_view>& segments, size_t i,
                   std::string_view method, RouteMatch& match);
  void Finish(uint64_t id, HttpResponse response);
  // Adds x-amzn-RequestId, publishes RouteRequest, responds.
  void Answer(Pending& p, HttpResponse response);
  static HttpResponse MapReply(const Result<compute::InvokeResult>& result,
                               bool v2);
  std::string BuildEventV2(const HttpRequest& request, const RouteMatch& match,
                           const std::string& request_id) const;
  std::string BuildEvent(const HttpRequest& request, const RouteMatch& match,
                         const std::string& request_id,
                         const std::string* api_key) const;
  void Publish(std::string_view kind, std::string_view resource,
               std::string_view key, std::string_view detail);

  Clock& clock_;
  IdGenerator& ids_;
  Invoker invoker_;
  RouteServiceOptions options_;
  std::unique_ptr<Node> root_;
  std::map<uint64_t, std::unique_ptr<Pending>> pending_;
  uint64_t next_pending_ = 1;
  ServiceObserver* observer_ = nullptr;
  std::string base_url_;
  // Only its lifetime matters: invoker callbacks hold a weak_ptr to it and
  // do nothing once it has expired (the service is gone).
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// RFC 3986 percent-decoding ('+' stays '+'); a '%' not followed by two hex
// digits is kept as it is.
std::string PercentDecode(std::string_view text);

// "a=1&b=x%20y&a=2" -> [("a","1"), ("b","x y"), ("a","2")]: keys and
// values percent-decoded, a key without '=' gets "", empty pieces skipped.
std::vector<std::pair<std::string, std::string>> ParseQuery(
    std::string_view query);

// API Gateway's gateway-response body: {"message":"<message>"}, with
// Content-Type application/json and x-amzn-ErrorType `error_type` (when
// not empty).
HttpResponse GatewayResponse(int status, std::string_view message,
                             std::string_view error_type);

}  // namespace fanlab::services

#endif  // FANLAB_EMULATOR_SERVICES_ROUTE_SERVICE_H_
