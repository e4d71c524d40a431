#include "emulator/services/route_service.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "emulator/compute/lambda_errors.h"
#include "emulator/core/base64.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/sink_service.h"

namespace fanlab::services {

namespace json = boost::json;

// One level of the tree. A node knows only its own edges (the names of its
// children), never the template above it: storing the whole prefix in
// each node made memory grow with the square of the path's length.
struct RouteService::Node {
  std::string resource_id;  // given on the first route of this path
  std::map<std::string, Route> methods;
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::string param_name;  // {param_name}
  std::unique_ptr<Node> param;
  std::string greedy_name;  // {greedy_name+}
  std::unique_ptr<Node> greedy;

  bool Empty() const {
    return methods.empty() && literals.empty() && !param && !greedy;
  }
  const Route* Serving(std::string_view method) const {
    auto it = methods.find(std::string(method));
    if (it == methods.end()) it = methods.find("ANY");
    return it == methods.end() ? nullptr : &it->second;
  }
};

struct RouteService::Pending {
  Respond respond;
  TimerId timer = 0;
  std::string request_id;
  std::string method;
  std::string path;
  std::string resource;  // the route's template
  std::string function;
};

namespace {

constexpr std::string_view kMethods[] = {"GET",   "POST", "PUT",     "DELETE",
                                         "PATCH", "HEAD", "OPTIONS", "ANY"};

Status Invalid(std::string message) {
  return Status(lambda::kInvalidParameterValueException, std::move(message));
}

bool IsLiteralChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
      (c >= '0' && c <= '9')) {
    return true;
  }
  return std::string_view("-._~:@!$&'()*+,;=").find(c) !=
         std::string_view::npos;
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

// "/a/b" -> {"a", "b"}; "/" -> {}. Keeps empty segments ("//").
std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path == "/") return out;
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

// A template segment: literal, {name} or {name+}.
struct Segment {
  enum Kind { kLiteral, kParam, kGreedy } kind = kLiteral;
  std::string text;  // the literal, or the parameter's name
};

Result<std::vector<Segment>> ParseTemplate(std::string_view path) {
  // The limits come first: a long template is refused before any work
  // that grows with it.
  if (path.size() > kMaxRoutePathBytes) {
    return Invalid("Path is " + std::to_string(path.size()) +
                   " bytes long; the limit is " +
                   std::to_string(kMaxRoutePathBytes) + ".");
  }
  if (path.empty() || path[0] != '/') {
    return Invalid("Path '" + std::string(path) + "' must start with '/'.");
  }
  std::vector<Segment> out;
  std::vector<std::string_view> parts = Split(path);
  if (parts.size() > kMaxRouteSegments) {
    return Invalid("Path has " + std::to_string(parts.size()) +
                   " segments; the limit is " +
                   std::to_string(kMaxRouteSegments) + ".");
  }
  std::set<std::string_view> names;  // of the parameters so far
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (part.empty()) {
      return Invalid("Path '" + std::string(path) +
                     "' has an empty segment (or a trailing '/').");
    }
    Segment s;
    if (part.front() == '{') {
      if (part.size() < 3 || part.back() != '}') {
        return Invalid("Bad path parameter '" + std::string(part) + "' in '" +
                       std::string(path) + "'.");
      }
      std::string_view name = part.substr(1, part.size() - 2);
      s.kind = Segment::kParam;
      if (name.back() == '+') {
        name.remove_suffix(1);
        s.kind = Segment::kGreedy;
        if (i + 1 != parts.size()) {
          return Invalid("The greedy parameter {" + std::string(name) +
                         "+} must be the last segment of '" +
                         std::string(path) + "'.");
        }
      }
      if (name.empty() || !std::all_of(name.begin(), name.end(), IsNameChar)) {
        return Invalid("Bad path parameter name '" + std::string(part) +
                       "' in '" + std::string(path) +
                       "': letters, digits, '.', '_' and '-' only.");
      }
      s.text = std::string(name);
      if (!names.insert(name).second) {
        return Invalid("Path parameter {" + s.text + "} is used twice in '" +
                       std::string(path) + "'.");
      }
    } else {
      if (!std::all_of(part.begin(), part.end(), IsLiteralChar)) {
        return Invalid("Bad path segment '" + std::string(part) + "' in '" +
                       std::string(path) + "'.");
      }
      s.text = std::string(part);
    }
    out.push_back(std::move(s));
  }
  if (!out.empty() && out[0].kind == Segment::kLiteral &&
      "/" + out[0].text + "/" == kSinkPrefix) {
    return Invalid("Paths under " + std::string(kSinkPrefix) +
                   " are reserved for sinks.");
  }
  if (!out.empty() && out[0].kind == Segment::kLiteral &&
      "/" + out[0].text + "/" == kFanlabPrefix) {
    return Invalid("Paths under " + std::string(kFanlabPrefix) +
                   " are reserved for fanlab.");
  }
  return out;
}

// Any byte sequence as valid UTF-8: an invalid byte becomes U+FFFD (JSON
// text must be UTF-8; the writer does not check).
std::string Text(std::string_view bytes) {
  if (IsValidUtf8(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 8);
  size_t i = 0;
  while (i < bytes.size()) {
    size_t len = 1;
    while (len <= 4 && i + len <= bytes.size() &&
           !IsValidUtf8(bytes.substr(i, len))) {
      ++len;
    }
    if (len <= 4 && i + len <= bytes.size()) {
      out.append(bytes.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  return out;
}

// Groups (name, value) pairs by name, keeping the first spelling and the
// order of first appearance; `fold_case` groups names case-insensitively.
std::vector<std::pair<std::string, std::vector<std::string>>> Group(
    const std::vector<std::pair<std::string, std::string>>& pairs,
    bool fold_case) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& [k, v] : pairs) {
    // [&k = k]: clang 14 cannot capture a structured binding.
    auto it = std::find_if(out.begin(), out.end(), [&, &k = k](const auto& e) {
      return fold_case ? HeaderNameEquals(e.first, k) : e.first == k;
    });
    if (it == out.end()) {
      out.push_back({k, {v}});
    } else {
      it->second.push_back(v);
    }
  }
  return out;
}

// Writes `groups` as {name: last value} (multi == false) or
// {name: [values]}; null when there are none.
void WriteGroups(
    JsonWriter& w,
    const std::vector<std::pair<std::string, std::vector<std::string>>>& groups,
    bool multi) {
  if (groups.empty()) {
    w.Null();
    return;
  }
  w.BeginObject();
  for (const auto& [k, values] : groups) {
    w.Key(Text(k));
    if (multi) {
      w.BeginArray();
      for (const auto& v : values) w.String(Text(v));
      w.EndArray();
    } else {
      w.String(Text(values.back()));
    }
  }
  w.EndObject();
}

// "23/Nov/2026:16:03:14 +0000", the format of requestContext.requestTime.
std::string RequestTime(TimePoint t) {
  using namespace std::chrono;
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<seconds> hms{floor<seconds>(t - day)};
  char out[40];
  std::snprintf(out, sizeof out, "%02u/%s/%04d:%02d:%02d:%02d +0000",
                static_cast<unsigned>(ymd.day()),
                kMonths[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()),
                static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return out;
}

// A header value the function gave: strings as they are, numbers and
// booleans as their JSON text; nullopt for anything else.
std::optional<std::string> HeaderValue(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_number() || v.is_bool()) return json::serialize(v);
  return std::nullopt;
}

// Response headers that would break the framing or the front's own
// answer: API Gateway passes them on renamed, as x-amzn-Remapped-<Name>.
bool IsRemapped(std::string_view name) {
  for (std::string_view reserved :
       {"Authorization", "Connection", "Content-Length", "Date", "Server",
        "Transfer-Encoding", "WWW-Authenticate"}) {
    if (HeaderNameEquals(name, reserved)) return true;
  }
  return false;
}

// A proxy answer's `body` (a string, or absent) into `out.body`, decoded
// when `isBase64Encoded` is true; false when either is of the wrong type
// or the base64 is bad. Both payload formats read it alike.
bool ReadReplyBody(const json::object& o, HttpResponse& out) {
  bool base64 = false;
  if (const json::value* b = o.if_contains("isBase64Encoded");
      b != nullptr && !b->is_null()) {
    if (!b->is_bool()) return false;
    base64 = b->get_bool();
  }
  if (const json::value* b = o.if_contains("body");
      b != nullptr && !b->is_null()) {
    if (!b->is_string()) return false;
    out.body = std::string(b->get_string());
  }
  if (base64) {
    std::optional<std::string> decoded = Base64Decode(out.body);
    if (!decoded) return false;
    out.body = std::move(*decoded);
  }
  return true;
}

// Parses the function's proxy reply; nullopt when it is malformed (what
// API Gateway logs as "Malformed Lambda proxy response").
std::optional<HttpResponse> ParseReply(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.get_object();
  for (const auto& [k, ignored] : o) {
    if (k != "statusCode" && k != "headers" && k != "multiValueHeaders" &&
        k != "body" && k != "isBase64Encoded") {
      return std::nullopt;  // a REST API refuses unknown fields
    }
  }
  HttpResponse out;
  const json::value* status = o.if_contains("statusCode");
  if (status == nullptr) return std::nullopt;
  if (status->is_int64()) {
    out.status =
        static_cast<int>(std::clamp<int64_t>(status->get_int64(), 0, 1000));
  } else if (status->is_uint64()) {
    out.status = 1000;
  } else {
    return std::nullopt;
  }
  // 1xx is never a final answer: the client would wait for the real one.
  if (out.status < 200 || out.status > 599) return std::nullopt;

  // headers and multiValueHeaders merge; for a name in both, the
  // multi-value list wins.
  std::vector<std::pair<std::string, std::vector<std::string>>> merged;
  if (const json::value* h = o.if_contains("headers");
      h != nullptr && !h->is_null()) {
    if (!h->is_object()) return std::nullopt;
    for (const auto& [k, val] : h->get_object()) {
      if (val.is_null()) continue;
      std::optional<std::string> text = HeaderValue(val);
      if (!text) return std::nullopt;
      merged.push_back({std::string(k), {*text}});
    }
  }
  if (const json::value* h = o.if_contains("multiValueHeaders");
      h != nullptr && !h->is_null()) {
    if (!h->is_object()) return std::nullopt;
    for (const auto& [k, val] : h->get_object()) {
      if (val.is_null()) continue;
      if (!val.is_array()) return std::nullopt;
      std::vector<std::string> values;
      for (const json::value& item : val.get_array()) {
        std::optional<std::string> text = HeaderValue(item);
        if (!text) return std::nullopt;
        values.push_back(std::move(*text));
      }
      auto it = std::find_if(merged.begin(), merged.end(), [&k = k](auto& e) {
        return HeaderNameEquals(e.first, k);
      });
      if (it != merged.end()) {
        it->second = std::move(values);
      } else {
        merged.push_back({std::string(k), std::move(values)});
      }
    }
  }
  bool content_type = false;
  for (auto& [k, values] : merged) {
    // A name or value that is not a valid field (CR/LF, ':', a space, any
    // control character) would be written raw: it could add headers or
    // end the answer early (response splitting). Beast checks nothing.
    if (!ValidHeaderName(k)) return std::nullopt;
    for (auto& value : values) {
      if (!ValidHeaderValue(value)) return std::nullopt;
      out.headers.push_back(
          {IsRemapped(k) ? "x-amzn-Remapped-" + k : k, std::move(value)});
    }
    content_type = content_type || HeaderNameEquals(k, "Content-Type");
  }
  if (!content_type)
    out.headers.push_back({"Content-Type", "application/json"});

  if (!ReadReplyBody(o, out)) return std::nullopt;
  return out;
}

// Reads a function's answer by the HTTP API's 2.0 rules; nullopt when it
// is malformed (not JSON; statusCode not an integer from 200 to 599;
// headers not an object of strings, numbers or booleans; cookies not a
// list of strings; body not a string; bad base64).
std::optional<HttpResponse> ParseReplyV2(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec) return std::nullopt;
  HttpResponse out;
  const json::object* o = v.if_object();
  if (o == nullptr || !o->contains("statusCode")) {
    // No statusCode: the answer itself is the body, as JSON; a string
    // answer is its text.
    out.body =
        v.is_string() ? std::string(v.get_string()) : std::string(payload);
    out.headers.push_back({"Content-Type", "application/json"});
    return out;
  }
  const json::value& status = o->at("statusCode");
  if (!status.is_int64() || status.get_int64() < 200 ||
      status.get_int64() > 599) {
    return std::nullopt;
  }
  out.status = static_cast<int>(status.get_int64());
  bool content_type = false;
  if (const json::value* h = o->if_contains("headers");
      h != nullptr && !h->is_null()) {
    if (!h->is_object()) return std::nullopt;
    for (const auto& [k, val] : h->get_object()) {
      if (val.is_null()) continue;
      std::optional<std::string> text = HeaderValue(val);
      if (!text || !ValidHeaderName(k) || !ValidHeaderValue(*text)) {
        return std::nullopt;
      }
      out.headers.push_back(
          {IsRemapped(k) ? "x-amzn-Remapped-" + std::string(k) : std::string(k),
           std::move(*text)});
      content_type = content_type || HeaderNameEquals(k, "Content-Type");
    }
  }
  if (const json::value* c = o->if_contains("cookies");
      c != nullptr && !c->is_null()) {
    if (!c->is_array()) return std::nullopt;
    for (const json::value& cookie : c->get_array()) {
      if (!cookie.is_string() || !ValidHeaderValue(cookie.get_string())) {
        return std::nullopt;
      }
      out.headers.push_back({"Set-Cookie", std::string(cookie.get_string())});
    }
  }
  if (!content_type)
    out.headers.push_back({"Content-Type", "application/json"});
  if (!ReadReplyBody(*o, out)) return std::nullopt;
  return out;
}

// The errorType of a function error payload, or "".
std::string ErrorType(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) return "";
  const json::value* type = v.get_object().if_contains("errorType");
  return type != nullptr && type->is_string() ? std::string(type->get_string())
                                              : "";
}

// Six characters of [a-z0-9], like API Gateway's resource ids.
std::string ResourceId(uint64_t bits) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (int i = 0; i < 6; ++i) {
    out.push_back(kAlphabet[bits % 36]);
    bits /= 36;
  }
  return out;
}

}  // namespace

std::string PercentDecode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 &&
        hex(text[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(
    std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view piece = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view()
                                          : query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    out.push_back({PercentDecode(piece.substr(0, eq)),
                   eq == std::string_view::npos
                       ? std::string()
                       : PercentDecode(piece.substr(eq + 1))});
  }
  return out;
}

HttpResponse GatewayResponse(int status, std::string_view message,
                             std::string_view error_type) {
  HttpResponse out;
  out.status = status;
  out.headers.push_back({"Content-Type", "application/json"});
  if (!error_type.empty()) {
    out.headers.push_back({"x-amzn-ErrorType", std::string(error_type)});
  }
  JsonWriter w;
  w.BeginObject().Key("message").String(message).EndObject();
  out.body = w.Take();
  return out;
}

RouteService::RouteService(Clock& clock, IdGenerator& ids, Invoker invoker,
                           RouteServiceOptions options)
    : clock_(clock),
      ids_(ids),
      invoker_(std::move(invoker)),
      options_(std::move(options)),
      root_(std::make_unique<Node>()) {}

RouteService::~RouteService() {
  for (auto& [id, p] : pending_) clock_.Cancel(p->timer);
}

Result<Route> RouteService::CreateRoute(Route route) {
  for (char& c : route.method) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  if (std::find(std::begin(kMethods), std::end(kMethods), route.method) ==
      std::end(kMethods)) {
    return Invalid("Method '" + route.method +
                   "' must be one of GET, POST, PUT, DELETE, PATCH, HEAD, "
                   "OPTIONS or ANY.");
  }
  if (route.function.empty()) {
    return Invalid("The route needs a FunctionName.");
  }
  if (route.api_key_required && route.api_keys.empty()) {
    return Invalid("ApiKeyRequired needs at least one key in ApiKeys.");
  }
  if (route.payload_format.empty()) route.payload_format = "1.0";
  if (route.payload_format != "1.0" && route.payload_format != "2.0") {
    return Invalid("PayloadFormatVersion '" + route.payload_format +
                   "' must be 1.0 or 2.0.");
  }
  for (const std::string& key : route.api_keys) {
    if (key.empty()) return Invalid("An API key must not be empty.");
  }
  auto segments = ParseTemplate(route.path);
  if (!segments.ok()) return segments.status();

  // Check the whole path before changing the tree.
  Node* node = root_.get();
  for (const Segment& s : *segments) {
    if (node == nullptr) break;
    if (s.kind == Segment::kLiteral) {
      auto it = node->literals.find(s.text);
      node = it == node->literals.end() ? nullptr : it->second.get();
      continue;
    }
    const std::string& have =
        s.kind == Segment::kParam ? node->param_name : node->greedy_name;
    if (!have.empty() && have != s.text) {
      return Invalid("A sibling {" + have +
                     (s.kind == Segment::kGreedy ? "+" : "") +
                     "} of this resource already has a variable path part "
                     "-- only one is allowed ('" +
                     route.path + "').");
    }
    node = s.kind == Segment::kParam ? node->param.get() : node->greedy.get();
  }
  if (node != nullptr && node->methods.count(route.method) != 0) {
    return Status(
        lambda::kResourceConflictException,
        "Method " + route.method + " already exists on " + route.path + ".");
  }

  // route.path stays as given: ParseTemplate accepted it, so it is already
  // "/" or "/seg/..." with no empty segment, the template's one spelling.
  node = root_.get();
  for (const Segment& s : *segments) {
    std::unique_ptr<Node>* child;
    if (s.kind == Segment::kLiteral) {
      child = &node->literals[s.text];
    } else if (s.kind == Segment::kParam) {
      node->param_name = s.text;
      child = &node->param;
    } else {
      node->greedy_name = s.text;
      child = &node->greedy;
    }
    if (!*child) *child = std::make_unique<Node>();
    node = child->get();
  }
  if (node->resource_id.empty()) node->resource_id = ResourceId(ids_.NextU64());
  route.resource_id = node->resource_id;
  node->methods[route.method] = route;

  JsonWriter w;
  w.BeginObject()
      .Key("method")
      .String(route.method)
      .Key("path")
      .String(route.path)
      .Key("function")
      .String(route.function)
      .EndObject();
  Publish("RouteCreated", route.method + " " + route.path, "", w.str());
  return route;
}

Status RouteService::DeleteRoute(std::string_view method,
                                 std::string_view path) {
  std::string m(method);
  for (char& c : m) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  auto segments = ParseTemplate(path);
  // The chain of nodes down to the route, for pruning empty ones after.
  std::vector<Node*> chain{root_.get()};
  if (segments.ok()) {
    for (const Segment& s : *segments) {
      Node* node = chain.back();
      Node* next = nullptr;
      if (s.kind == Segment::kLiteral) {
        auto it = node->literals.find(s.text);
        if (it != node->literals.end()) next = it->second.get();
      } else if (s.kind == Segment::kParam && node->param_name == s.text) {
        next = node->param.get();
      } else if (s.kind == Segment::kGreedy && node->greedy_name == s.text) {
        next = node->greedy.get();
      }
      if (next == nullptr) break;
      chain.push_back(next);
    }
  }
  if (!segments.ok() || chain.size() != segments->size() + 1 ||
      chain.back()->methods.erase(m) == 0) {
    return Status(lambda::kResourceNotFoundException,
                  "No route " + m + " " + std::string(path) + ".");
  }
  for (size_t i = chain.size() - 1; i > 0 && chain[i]->Empty(); --i) {
    Node* parent = chain[i - 1];
    const Segment& s = (*segments)[i - 1];
    if (s.kind == Segment::kLiteral) {
      parent->literals.erase(s.text);
    } else if (s.kind == Segment::kParam) {
      parent->param.reset();
      parent->param_name.clear();
    } else {
      parent->greedy.reset();
      parent->greedy_name.clear();
    }
  }
  std::string resource = m + " " + std::string(path);
  Publish("RouteDeleted", resource, "", "");
  return Status::Ok();
}

std::vector<Route> RouteService::ListRoutes() const {
  std::vector<Route> out;
  std::vector<const Node*> stack{root_.get()};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    for (const auto& [m, r] : n->methods) out.push_back(r);
    for (const auto& [k, child] : n->literals) stack.push_back(child.get());
    if (n->param) stack.push_back(n->param.get());
    if (n->greedy) stack.push_back(n->greedy.get());
  }
  std::sort(out.begin(), out.end(), [](const Route& a, const Route& b) {
    return std::tie(a.path, a.method) < std::tie(b.path, b.method);
  });
  return out;
}

std::optional<RouteMatch> RouteService::Match(std::string_view method,
                                              std::string_view path) const {
  std::vector<std::string_view> segments = Split(path);
  // "/users/" is served by "/users", as API Gateway does.
  if (!segments.empty() && segments.back().empty()) segments.pop_back();
  RouteMatch match;
  if (!Walk(*root_, segments, 0, method, match)) return std::nullopt;
  return match;
}

// Depth-first in precedence order (literal, {param}, {greedy+}), so the
// first route found is the most specific one serving the method.
bool RouteService::Walk(const Node& node,
                        const std::vector<std::string_view>& segments, size_t i,
                        std::string_view method, RouteMatch& match) {
  if (i == segments.size()) {
    match.route = node.Serving(method);
    return match.route != nullptr;
  }
  std::string decoded = PercentDecode(segments[i]);
  if (auto it = node.literals.find(decoded); it != node.literals.end()) {
    if (Walk(*it->second, segments, i + 1, method, match)) return true;
  }
  if (node.param && !segments[i].empty()) {
    match.path_parameters[node.param_name] = decoded;
    if (Walk(*node.param, segments, i + 1, method, match)) return true;
    match.path_parameters.erase(node.param_name);
  }
  if (node.greedy) {
    if (const Route* r = node.greedy->Serving(method); r != nullptr) {
      std::string rest;
      for (size_t k = i; k < segments.size(); ++k) {
        if (k > i) rest += "/";
        rest += PercentDecode(segments[k]);
      }
      match.path_parameters[node.greedy_name] = std::move(rest);
      match.route = r;
      return true;
    }
  }
  return false;
}

std::string RouteService::BuildEventV2(const HttpRequest& request,
                                       const RouteMatch& match,
                                       const std::string& request_id) const {
  const Route& route = *match.route;
  TimePoint now = clock_.Now();
  const std::string* host = FindHeader(request.headers, "Host");
  const std::string* agent = FindHeader(request.headers, "User-Agent");
  // Header names lower-cased; repeated headers joined with commas; the
  // Cookie headers become the cookies list.
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<std::string> cookies;
  for (const auto& [k, v] : request.headers) {
    std::string name = Text(k);
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    if (name == "cookie") {
      std::string_view rest = v;
      while (!rest.empty()) {
        size_t semi = rest.find(';');
        std::string_view one = rest.substr(0, semi);
        while (!one.empty() && one.front() == ' ') one.remove_prefix(1);
        while (!one.empty() && one.back() == ' ') one.remove_suffix(1);
        if (!one.empty()) cookies.push_back(Text(one));
        if (semi == std::string_view::npos) break;
        rest.remove_prefix(semi + 1);
      }
      continue;
    }
    auto it = std::find_if(headers.begin(), headers.end(),
                           [&](const auto& e) { return e.first == name; });
    if (it == headers.end()) {
      headers.push_back({std::move(name), Text(v)});
    } else {
      it->second += "," + Text(v);
    }
  }
  auto query = Group(ParseQuery(request.query), /*fold_case=*/false);
  std::string path = Text(request.path);
  std::string route_key = route.method + " " + route.path;

  JsonWriter w;
  w.BeginObject();
  w.Key("version").String("2.0");
  w.Key("routeKey").String(route_key);
  w.Key("rawPath").String(path);
  w.Key("rawQueryString").String(Text(request.query));
  if (!cookies.empty()) {
    w.Key("cookies").BeginArray();
    for (const auto& c : cookies) w.String(c);
    w.EndArray();
  }
  w.Key("headers").BeginObject();
  for (const auto& [k, v] : headers) w.Key(k).String(v);
  w.EndObject();
  if (!query.empty()) {
    w.Key("queryStringParameters").BeginObject();
    for (const auto& [k, values] : query) {
      std::string joined;
      for (const auto& v : values) {
        if (!joined.empty()) joined += ",";
        joined += v;
      }
      w.Key(Text(k)).String(Text(joined));
    }
    w.EndObject();
  }
  if (!match.path_parameters.empty()) {
    w.Key("pathParameters").BeginObject();
    for (const auto& [k, v] : match.path_parameters) w.Key(k).String(Text(v));
    w.EndObject();
  }
  w.Key("requestContext").BeginObject();
  w.Key("accountId").String(options_.account);
  w.Key("apiId").String(options_.api_id);
  w.Key("domainName").String(host != nullptr ? Text(*host) : "");
  w.Key("domainPrefix").String(options_.api_id);
  w.Key("http").BeginObject();
  w.Key("method").String(Text(request.method));
  w.Key("path").String(path);
  w.Key("protocol").String("HTTP/1.1");
  w.Key("sourceIp").String(Text(request.source_ip));
  w.Key("userAgent").String(agent != nullptr ? Text(*agent) : "");
  w.EndObject();  // http
  w.Key("requestId").String(request_id);
  w.Key("routeKey").String(route_key);
  w.Key("stage").String("$default");
  w.Key("time").String(RequestTime(now));
  w.Key("timeEpoch").Int(ToEpochMillis(now));
  w.EndObject();  // requestContext
  if (!request.body.empty()) {
    bool text = IsValidUtf8(request.body);
    w.Key("body").String(text ? request.body : Base64Encode(request.body));
    w.Key("isBase64Encoded").Bool(!text);
  } else {
    w.Key("isBase64Encoded").Bool(false);
  }
  w.EndObject();
  return w.Take();
}

std::string RouteService::BuildEvent(const HttpRequest& request,
                                     const RouteMatch& match,
                                     const std::string& request_id,
                                     const std::string* api_key) const {
  const Route& route = *match.route;
  TimePoint now = clock_.Now();
  const std::string* host = FindHeader(request.headers, "Host");
  const std::string* agent = FindHeader(request.headers, "User-Agent");
  auto headers = Group(request.headers, /*fold_case=*/true);
  auto query = Group(ParseQuery(request.query), /*fold_case=*/false);
  std::string path = Text(request.path);

  JsonWriter w;
  w.BeginObject();
  w.Key("resource").String(route.path);
  w.Key("path").String(path);
  w.Key("httpMethod").String(Text(request.method));
  w.Key("headers");
  WriteGroups(w, headers, false);
  w.Key("multiValueHeaders");
  WriteGroups(w, headers, true);
  w.Key("queryStringParameters");
  WriteGroups(w, query, false);
  w.Key("multiValueQueryStringParameters");
  WriteGroups(w, query, true);
  w.Key("pathParameters");
  if (match.path_parameters.empty()) {
    w.Null();
  } else {
    w.BeginObject();
    for (const auto& [k, v] : match.path_parameters) w.Key(k).String(Text(v));
    w.EndObject();
  }
  w.Key("stageVariables").Null();

  w.Key("requestContext").BeginObject();
  w.Key("resourceId").String(route.resource_id);
  w.Key("resourcePath").String(route.path);
  w.Key("httpMethod").String(Text(request.method));
  // 16 characters of base64, the look of API Gateway's own.
  w.Key("extendedRequestId").String(Base64Encode(request_id.substr(0, 11)));
  w.Key("requestTime").String(RequestTime(now));
  w.Key("path").String("/" + options_.stage + path);
  w.Key("accountId").String(options_.account);
  w.Key("protocol").String("HTTP/1.1");
  w.Key("stage").String(options_.stage);
  w.Key("domainPrefix").String(options_.api_id);
  w.Key("requestTimeEpoch").Int(ToEpochMillis(now));
  w.Key("requestId").String(request_id);
  w.Key("identity").BeginObject();
  for (const char* absent :
       {"cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller"}) {
    w.Key(absent).Null();
  }
  w.Key("sourceIp").String(Text(request.source_ip));
  w.Key("principalOrgId").Null();
  w.Key("accessKey").Null();
  w.Key("cognitoAuthenticationType").Null();
  w.Key("cognitoAuthenticationProvider").Null();
  w.Key("userArn").Null();
  if (agent != nullptr) {
    w.Key("userAgent").String(Text(*agent));
  } else {
    w.Key("userAgent").Null();
  }
  w.Key("user").Null();
  if (route.api_key_required && api_key != nullptr) {
    w.Key("apiKey").String(Text(*api_key));
    // The key's id: stable per key, as API Gateway's is.
    size_t index =
        std::find(route.api_keys.begin(), route.api_keys.end(), *api_key) -
        route.api_keys.begin();
    w.Key("apiKeyId").String(route.resource_id + "k" + std::to_string(index));
  }
  w.EndObject();  // identity
  w.Key("domainName").String(host != nullptr ? Text(*host) : "");
  w.Key("apiId").String(options_.api_id);
  w.EndObject();  // requestContext

  if (request.body.empty()) {
    w.Key("body").Null();
    w.Key("isBase64Encoded").Bool(false);
  } else if (IsValidUtf8(request.body)) {
    w.Key("body").String(request.body);
    w.Key("isBase64Encoded").Bool(false);
  } else {
    w.Key("body").String(Base64Encode(request.body));
    w.Key("isBase64Encoded").Bool(true);
  }
  w.EndObject();
  return w.Take();
}

void RouteService::Handle(const HttpRequest& request, Respond respond) {
  auto p = std::make_unique<Pending>();
  p->respond = std::move(respond);
  p->request_id = ids_.NextUuidString();
  p->method = Text(request.method);
  p->path = Text(request.path);

  std::optional<RouteMatch> match = Match(request.method, request.path);
  if (!match) {
    return Answer(*p, GatewayResponse(403, "Missing Authentication Token",
                                      "MissingAuthenticationTokenException"));
  }
  const Route& route = *match->route;
  p->resource = route.path;
  p->function = route.function;
  const std::string* api_key = FindHeader(request.headers, "x-api-key");
  if (route.api_key_required &&
      (api_key == nullptr ||
       std::find(route.api_keys.begin(), route.api_keys.end(), *api_key) ==
           route.api_keys.end())) {
    return Answer(*p, GatewayResponse(403, "Forbidden", "ForbiddenException"));
  }

  const bool v2 = route.payload_format == "2.0";
  std::string event = v2 ? BuildEventV2(request, *match, p->request_id)
                         : BuildEvent(request, *match, p->request_id, api_key);
  uint64_t id = next_pending_++;
  p->timer = clock_.ScheduleAfter(options_.integration_timeout, [this, id, v2] {
    pending_.at(id)->timer = 0;
    Finish(id, v2 ? GatewayResponse(503, "Service Unavailable", "")
                  : GatewayResponse(504, "Endpoint request timed out", ""));
  });
  pending_[id] = std::move(p);
  std::weak_ptr<bool> alive = alive_;
  invoker_(route.function, std::move(event),
           [this, alive, id, v2](Result<compute::InvokeResult> result) {
             if (alive.expired()) return;
             // Gone: answered by the integration timeout already.
             if (pending_.count(id) == 0) return;
             Finish(id, MapReply(result, v2));
           });
}

HttpResponse RouteService::MapReply(const Result<compute::InvokeResult>& result,
                                    bool v2) {
  if (!result.ok()) {
    if (result.status().code() == lambda::kRequestTooLargeException) {
      return GatewayResponse(413, "Request Too Long", "");
    }
    return GatewayResponse(500, "Internal server error",
                           "InternalServerErrorException");
  }
  if (v2) {
    // The HTTP API's own gateway errors.
    if (result->function_error) {
      if (ErrorType(result->payload) == "Sandbox.Timedout") {
        return GatewayResponse(503, "Service Unavailable", "");
      }
      return GatewayResponse(500, "Internal Server Error", "");
    }
    std::optional<HttpResponse> reply = ParseReplyV2(result->payload);
    if (!reply) return GatewayResponse(500, "Internal Server Error", "");
    return std::move(*reply);
  }
  if (result->function_error) {
    if (ErrorType(result->payload) == "Sandbox.Timedout") {
      return GatewayResponse(504, "Endpoint request timed out", "");
    }
    return GatewayResponse(502, "Internal server error",
                           "InternalServerErrorException");
  }
  std::optional<HttpResponse> reply = ParseReply(result->payload);
  if (!reply) {
    return GatewayResponse(502, "Internal server error",
                           "InternalServerErrorException");
  }
  return std::move(*reply);
}

void RouteService::Finish(uint64_t id, HttpResponse response) {
  auto it = pending_.find(id);
  std::unique_ptr<Pending> p = std::move(it->second);
  pending_.erase(it);
  if (p->timer != 0) clock_.Cancel(p->timer);
  Answer(*p, std::move(response));
}

void RouteService::Answer(Pending& p, HttpResponse response) {
  response.headers.push_back({"x-amzn-RequestId", p.request_id});
  JsonWriter w;
  w.BeginObject()
      .Key("method")
      .String(p.method)
      .Key("path")
      .String(p.path)
      .Key("status")
      .Int(response.status)
      .Key("function")
      .String(p.function)
      .EndObject();
  Publish("RouteRequest", p.resource, p.request_id, w.str());
  p.respond(std::move(response));
}

void RouteService::Publish(std::string_view kind, std::string_view resource,
                           std::string_view key, std::string_view detail) {
  Notify(observer_, "http", clock_.Now(), kind, resource, key, detail);
}

}  // namespace fanlab::services
