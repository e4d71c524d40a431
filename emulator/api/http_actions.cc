// The HTTP front's actions over the one dispatcher (fanlab's own; errors
// in the com.fanlab.http# namespace): routes (CreateRoute, DeleteRoute,
// ListRoutes) and sinks (CreateSink, DeleteSink, ListSinks,
// GetSinkRequests, ClearSinkRequests). docs/services.md lists the
// shapes. Answers carry the URLs once the front is bound.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdio>

#include "emulator/api/handlers.h"
#include "emulator/core/base64.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/route_service.h"
#include "emulator/services/sink_service.h"

namespace fanlab::api {
namespace {

namespace json = boost::json;
using services::Route;
using services::Sink;

Status Serialization(std::string message) {
  return Status(ErrorCode::kSerializationException, std::move(message));
}

Status Missing(std::string_view key) {
  return Status(
      ErrorCode::kInvalidParameterValueException,
      "The request must contain the parameter " + std::string(key) + ".");
}

// Parses `body` (empty means {}) as an object for `read`.
template <typename F>
Status ReadBody(std::string_view body, F read) {
  if (body.empty()) body = "{}";
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    return Serialization("The request body is not valid JSON: " + ec.message() +
                         ".");
  }
  if (!v.is_object()) {
    return Serialization("The request body must be a JSON object.");
  }
  return read(v.get_object());
}

Status String(const json::object& o, std::string_view key, std::string& out,
              bool required) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return required ? Missing(key) : Status::Ok();
  }
  if (!v->is_string()) {
    return Serialization("Field " + std::string(key) + " must be a string.");
  }
  out = std::string(v->get_string());
  return Status::Ok();
}

Status Bool(const json::object& o, std::string_view key, bool& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_bool()) {
    return Serialization("Field " + std::string(key) + " must be a boolean.");
  }
  out = v->get_bool();
  return Status::Ok();
}

Status Int(const json::object& o, std::string_view key, int& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_int64() || v->get_int64() < INT32_MIN ||
      v->get_int64() > INT32_MAX) {
    return Serialization("Field " + std::string(key) + " must be an integer.");
  }
  out = static_cast<int>(v->get_int64());
  return Status::Ok();
}

Status StringList(const json::object& o, std::string_view key,
                  std::vector<std::string>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_array()) {
    return Serialization("Field " + std::string(key) +
                         " must be a list of strings.");
  }
  for (size_t i = 0; i < v->get_array().size(); ++i) {
    const json::value& item = v->get_array()[i];
    if (!item.is_string()) {
      return Serialization("Field " + std::string(key) + "[" +
                           std::to_string(i) + "] must be a string.");
    }
    out.emplace_back(item.get_string());
  }
  return Status::Ok();
}

Status StringMap(const json::object& o, std::string_view key,
                 services::HttpHeaders& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_object()) {
    return Serialization("Field " + std::string(key) +
                         " must be an object of strings.");
  }
  for (const auto& [k, item] : v->get_object()) {
    if (!item.is_string()) {
      return Serialization("Field " + std::string(key) + "." + std::string(k) +
                           " must be a string.");
    }
    out.emplace_back(std::string(k), std::string(item.get_string()));
  }
  return Status::Ok();
}

bool SameName(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// "2026-01-01T00:00:00.000Z"
std::string IsoTime(TimePoint t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  year_month_day ymd{day};
  hh_mm_ss<milliseconds> hms{floor<milliseconds>(t - day)};
  char out[32];
  std::snprintf(
      out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
      static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
      static_cast<unsigned>(ymd.day()), static_cast<int>(hms.hours().count()),
      static_cast<int>(hms.minutes().count()),
      static_cast<int>(hms.seconds().count()),
      static_cast<int>(hms.subseconds().count()));
  return out;
}

// Header names and values, or paths, as JSON text: invalid UTF-8 would
// make the answer invalid JSON, so such a string is shown base64-encoded.
std::string Printable(std::string_view s) {
  return services::IsUtf8(s) ? std::string(s) : "base64:" + Base64Encode(s);
}

void WriteRoute(JsonWriter& w, const Route& r, const std::string& base_url) {
  w.BeginObject()
      .Key("ResourceId")
      .String(r.resource_id)
      .Key("Method")
      .String(r.method)
      .Key("Path")
      .String(r.path)
      .Key("FunctionName")
      .String(r.function)
      .Key("ApiKeyRequired")
      .Bool(r.api_key_required);
  w.Key("ApiKeys").BeginArray();
  for (const auto& k : r.api_keys) w.String(k);
  w.EndArray();
  if (!base_url.empty()) w.Key("Url").String(base_url + r.path);
  w.EndObject();
}

void WriteSink(JsonWriter& w, const Sink& s, const std::string& url) {
  w.BeginObject()
      .Key("Name")
      .String(s.name)
      .Key("StatusCode")
      .Int(s.status_code)
      .Key("Body")
      .String(s.body);
  w.Key("Headers").BeginObject();
  for (const auto& [k, v] : s.headers) w.Key(k).String(v);
  w.EndObject();
  if (!url.empty()) w.Key("Url").String(url);
  w.EndObject();
}

ApiResponse Ok(std::string body) { return ApiResponse{true, std::move(body)}; }
ApiResponse Error(const Status& s) {
  return ErrorResponse(s, ApiService::kHttp);
}

// Wraps a handler that needs the route and sink services.
Handler WithHttp(
    std::function<ApiResponse(services::RouteService&, services::SinkService&,
                              std::string_view)>
        f) {
  return [f](Services& s, std::string_view body, ApiCallback& done) {
    if (s.routes == nullptr || s.sinks == nullptr) {
      return done(ErrorResponse(Status(ErrorCode::kUnknownOperationException,
                                       "This engine serves no HTTP front.")));
    }
    done(f(*s.routes, *s.sinks, body));
  };
}

ApiResponse CreateRoute(services::RouteService& routes, services::SinkService&,
                        std::string_view body) {
  Route r;
  Status read = ReadBody(body, [&](const json::object& o) {
    Status s = String(o, "Method", r.method, true);
    if (s.ok()) s = String(o, "Path", r.path, true);
    if (s.ok()) s = String(o, "FunctionName", r.function, true);
    if (s.ok()) s = Bool(o, "ApiKeyRequired", r.api_key_required);
    if (s.ok()) s = StringList(o, "ApiKeys", r.api_keys);
    return s;
  });
  if (!read.ok()) return Error(read);
  auto created = routes.CreateRoute(std::move(r));
  if (!created.ok()) return Error(created.status());
  JsonWriter w;
  WriteRoute(w, *created, routes.base_url());
  return Ok(w.Take());
}

ApiResponse DeleteRoute(services::RouteService& routes, services::SinkService&,
                        std::string_view body) {
  std::string method, path;
  Status read = ReadBody(body, [&](const json::object& o) {
    Status s = String(o, "Method", method, true);
    if (s.ok()) s = String(o, "Path", path, true);
    return s;
  });
  if (!read.ok()) return Error(read);
  if (Status s = routes.DeleteRoute(method, path); !s.ok()) return Error(s);
  return Ok("{}");
}

ApiResponse ListRoutes(services::RouteService& routes, services::SinkService&,
                       std::string_view body) {
  Status read = ReadBody(body, [](const json::object&) { return Status(); });
  if (!read.ok()) return Error(read);
  JsonWriter w;
  w.BeginObject().Key("Routes").BeginArray();
  for (const Route& r : routes.ListRoutes())
    WriteRoute(w, r, routes.base_url());
  w.EndArray();
  if (!routes.base_url().empty()) w.Key("Url").String(routes.base_url());
  w.EndObject();
  return Ok(w.Take());
}

ApiResponse CreateSink(services::RouteService&, services::SinkService& sinks,
                       std::string_view body) {
  Sink sink;
  Status read = ReadBody(body, [&](const json::object& o) {
    Status s = String(o, "Name", sink.name, true);
    if (s.ok()) s = Int(o, "StatusCode", sink.status_code);
    if (s.ok()) s = String(o, "Body", sink.body, false);
    if (s.ok()) s = StringMap(o, "Headers", sink.headers);
    return s;
  });
  if (!read.ok()) return Error(read);
  auto created = sinks.CreateSink(std::move(sink));
  if (!created.ok()) return Error(created.status());
  JsonWriter w;
  WriteSink(w, *created, sinks.Url(created->name));
  return Ok(w.Take());
}

// The actions that take only {Name}.
Status ReadName(std::string_view body, std::string& name) {
  return ReadBody(body, [&](const json::object& o) {
    return String(o, "Name", name, true);
  });
}

ApiResponse DeleteSink(services::RouteService&, services::SinkService& sinks,
                       std::string_view body) {
  std::string name;
  if (Status s = ReadName(body, name); !s.ok()) return Error(s);
  if (Status s = sinks.DeleteSink(name); !s.ok()) return Error(s);
  return Ok("{}");
}

ApiResponse ListSinks(services::RouteService&, services::SinkService& sinks,
                      std::string_view body) {
  Status read = ReadBody(body, [](const json::object&) { return Status(); });
  if (!read.ok()) return Error(read);
  JsonWriter w;
  w.BeginObject().Key("Sinks").BeginArray();
  for (const Sink& s : sinks.ListSinks()) WriteSink(w, s, sinks.Url(s.name));
  w.EndArray().EndObject();
  return Ok(w.Take());
}

ApiResponse GetSinkRequests(services::RouteService&,
                            services::SinkService& sinks,
                            std::string_view body) {
  std::string name;
  if (Status s = ReadName(body, name); !s.ok()) return Error(s);
  auto got = sinks.GetRequests(name);
  if (!got.ok()) return Error(got.status());
  JsonWriter w;
  w.BeginObject().Key("Name").String(name);
  if (std::string url = sinks.Url(name); !url.empty()) w.Key("Url").String(url);
  w.Key("Dropped").Int(static_cast<int64_t>(got->dropped));
  w.Key("Requests").BeginArray();
  for (const services::SinkRecord& r : got->records) {
    w.BeginObject()
        .Key("Sequence")
        .Int(static_cast<int64_t>(r.sequence))
        .Key("Method")
        .String(Printable(r.method))
        .Key("Path")
        .String(Printable(r.path))
        .Key("Query")
        .String(Printable(r.query));
    // Repeated fields joined with ", " (RFC 9110's list form), under the
    // first spelling of the name.
    services::HttpHeaders joined;
    for (const auto& [k, v] : r.headers) {
      auto it = std::find_if(joined.begin(), joined.end(),
                             [&](auto& e) { return SameName(e.first, k); });
      if (it == joined.end()) {
        joined.emplace_back(k, v);
      } else {
        it->second += ", " + v;
      }
    }
    w.Key("Headers").BeginObject();
    for (const auto& [k, v] : joined) w.Key(Printable(k)).String(Printable(v));
    w.EndObject();
    bool text = services::IsUtf8(r.body);
    w.Key("Body")
        .String(text ? r.body : Base64Encode(r.body))
        .Key("IsBase64Encoded")
        .Bool(!text)
        .Key("SourceIp")
        .String(r.source_ip)
        .Key("Time")
        .String(IsoTime(r.time))
        .Key("TimeMs")
        .Int(ToEpochMillis(r.time))
        .EndObject();
  }
  w.EndArray().EndObject();
  return Ok(w.Take());
}

ApiResponse ClearSinkRequests(services::RouteService&,
                              services::SinkService& sinks,
                              std::string_view body) {
  std::string name;
  if (Status s = ReadName(body, name); !s.ok()) return Error(s);
  if (Status s = sinks.ClearRequests(name); !s.ok()) return Error(s);
  return Ok("{}");
}

}  // namespace

void AddHttpActions(HandlerMap& map) {
  std::pair<const char*, Handler> actions[] = {
      {"CreateRoute", WithHttp(CreateRoute)},
      {"DeleteRoute", WithHttp(DeleteRoute)},
      {"ListRoutes", WithHttp(ListRoutes)},
      {"CreateSink", WithHttp(CreateSink)},
      {"DeleteSink", WithHttp(DeleteSink)},
      {"ListSinks", WithHttp(ListSinks)},
      {"GetSinkRequests", WithHttp(GetSinkRequests)},
      {"ClearSinkRequests", WithHttp(ClearSinkRequests)},
  };
  for (auto& [name, handler] : actions) {
    map[name] = Action{ApiService::kHttp, std::move(handler)};
  }
}

}  // namespace fanlab::api
