// The HTTP front's actions over the one dispatcher (fanlab's own; errors
// in the com.fanlab.http# namespace): routes (CreateRoute, DeleteRoute,
// ListRoutes) and sinks (CreateSink, DeleteSink, ListSinks,
// GetSinkRequests, ClearSinkRequests). docs/services.md lists the
// shapes. Answers carry the URLs once the front is bound.
#include <algorithm>
#include <cctype>
#include <limits>
#include <optional>

#include "emulator/api/errors.h"
#include "emulator/api/handlers.h"
#include "emulator/api/json_fields.h"
#include "emulator/compute/lambda_errors.h"
#include "emulator/core/base64.h"
#include "emulator/core/clock.h"
#include "emulator/core/json_writer.h"
#include "emulator/services/route_service.h"
#include "emulator/services/sink_service.h"

namespace fanlab::api {
namespace {

using services::Route;
using services::Sink;

// A missing field is InvalidParameterValueException, as Lambda words it.
constexpr MissingField kMissing =
    MustContainParameter<lambda::kInvalidParameterValueException>;

// Header names and values, or paths, as JSON text: invalid UTF-8 would
// make the answer invalid JSON, so such a string is shown base64-encoded.
std::string Printable(std::string_view s) {
  return IsValidUtf8(s) ? std::string(s) : "base64:" + Base64Encode(s);
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
  w.Key("PayloadFormatVersion").String(r.payload_format);
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

// Wraps a handler that needs the route and sink services (the dispatcher
// routes here only when both are set: Services::Serves).
Handler WithHttp(
    std::function<ApiResponse(services::RouteService&, services::SinkService&,
                              std::string_view)>
        f) {
  return [f](CallContext& c, std::string_view body, ApiCallback& done) {
    done(f(*c.services.routes, *c.services.sinks, body));
  };
}

ApiResponse CreateRoute(services::RouteService& routes, services::SinkService&,
                        std::string_view body) {
  Route r;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& f) {
    f.Require("Method", r.method);
    f.Require("Path", r.path);
    f.Require("FunctionName", r.function);
    f.Read("ApiKeyRequired", r.api_key_required);
    f.Read("ApiKeys", r.api_keys);
    f.Read("PayloadFormatVersion", r.payload_format);
  });
  if (!read.ok()) return HttpApiError(read);
  auto created = routes.CreateRoute(std::move(r));
  if (!created.ok()) return HttpApiError(created.status());
  JsonWriter w;
  WriteRoute(w, *created, routes.base_url());
  return Ok(w.Take());
}

ApiResponse DeleteRoute(services::RouteService& routes, services::SinkService&,
                        std::string_view body) {
  std::string method, path;
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& f) {
    f.Require("Method", method);
    f.Require("Path", path);
  });
  if (!read.ok()) return HttpApiError(read);
  if (Status s = routes.DeleteRoute(method, path); !s.ok())
    return HttpApiError(s);
  return Ok("{}");
}

ApiResponse ListRoutes(services::RouteService& routes, services::SinkService&,
                       std::string_view body) {
  Status read = ReadJsonBody(body, kMissing, [](FieldReader&) {});
  if (!read.ok()) return HttpApiError(read);
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
  Status read = ReadJsonBody(body, kMissing, [&](FieldReader& f) {
    f.Require("Name", sink.name);
    std::optional<int64_t> status;
    f.Read("StatusCode", status);
    // Past int's range is past 100-599 too: the service refuses either.
    if (status) {
      sink.status_code = static_cast<int>(
          std::clamp<int64_t>(*status, std::numeric_limits<int>::min(),
                              std::numeric_limits<int>::max()));
    }
    f.Read("Body", sink.body);
    f.Read("Headers", sink.headers);
  });
  if (!read.ok()) return HttpApiError(read);
  auto created = sinks.CreateSink(std::move(sink));
  if (!created.ok()) return HttpApiError(created.status());
  JsonWriter w;
  WriteSink(w, *created, sinks.Url(created->name));
  return Ok(w.Take());
}

// The actions that take only {Name}.
Status ReadName(std::string_view body, std::string& name) {
  return ReadJsonBody(body, kMissing,
                      [&](FieldReader& f) { f.Require("Name", name); });
}

ApiResponse DeleteSink(services::RouteService&, services::SinkService& sinks,
                       std::string_view body) {
  std::string name;
  if (Status s = ReadName(body, name); !s.ok()) return HttpApiError(s);
  if (Status s = sinks.DeleteSink(name); !s.ok()) return HttpApiError(s);
  return Ok("{}");
}

ApiResponse ListSinks(services::RouteService&, services::SinkService& sinks,
                      std::string_view body) {
  Status read = ReadJsonBody(body, kMissing, [](FieldReader&) {});
  if (!read.ok()) return HttpApiError(read);
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
  if (Status s = ReadName(body, name); !s.ok()) return HttpApiError(s);
  auto got = sinks.GetRequests(name);
  if (!got.ok()) return HttpApiError(got.status());
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
      // [&k = k]: clang 14 cannot capture a structured binding.
      auto it = std::find_if(joined.begin(), joined.end(), [&k = k](auto& e) {
        return services::HeaderNameEquals(e.first, k);
      });
      if (it == joined.end()) {
        joined.emplace_back(k, v);
      } else {
        it->second += ", " + v;
      }
    }
    w.Key("Headers").BeginObject();
    for (const auto& [k, v] : joined) w.Key(Printable(k)).String(Printable(v));
    w.EndObject();
    bool text = IsValidUtf8(r.body);
    w.Key("Body")
        .String(text ? r.body : Base64Encode(r.body))
        .Key("IsBase64Encoded")
        .Bool(!text)
        .Key("SourceIp")
        .String(r.source_ip)
        .Key("Time")
        .String(FormatIso8601(r.time))
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
  if (Status s = ReadName(body, name); !s.ok()) return HttpApiError(s);
  if (Status s = sinks.ClearRequests(name); !s.ok()) return HttpApiError(s);
  return Ok("{}");
}

}  // namespace

void AddHttpActions(Registry& registry) {
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
    registry.Add(ApiService::kHttp, name, std::move(handler));
  }
}

}  // namespace fanlab::api
