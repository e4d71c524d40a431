#include "emulator/transport/http_front.h"

#include <arpa/inet.h>

#include <cstdio>

#include "emulator/api/protocol_query.h"
#include "emulator/api/protocol_rest_json.h"
#include "emulator/api/protocol_rest_xml.h"
#include "emulator/api/service_model.h"
#include "emulator/api/xml.h"
#include "emulator/core/ascii.h"
#include "emulator/core/common_errors.h"
#include "emulator/services/route_service.h"
#include "emulator/services/sink_service.h"

namespace fanlab::transport {

namespace {

using services::FindHeader;
using services::HttpRequest;
using services::HttpResponse;

// "AKID/20261206/us-east-1/sqs/aws4_request" -> its parts.
std::optional<SigV4Scope> ParseCredential(std::string_view credential) {
  SigV4Scope scope;
  std::string* parts[] = {&scope.access_key_id, &scope.date, &scope.region,
                          &scope.service};
  for (std::string* part : parts) {
    size_t slash = credential.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    *part = credential.substr(0, slash);
    credential.remove_prefix(slash + 1);
  }
  if (credential != "aws4_request") return std::nullopt;
  return scope;
}

bool IsForm(const HttpRequest& request) {
  const std::string* type = FindHeader(request.headers, "Content-Type");
  return type != nullptr && std::string_view(*type).substr(0, 33).starts_with(
                                "application/x-www-form-urlencoded");
}

// Host without its port.
std::string_view HostName(std::string_view host) {
  if (host.starts_with('[')) return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

// True when `name` is `base` or a subdomain of it, without case.
bool NameOrSubdomain(std::string_view name, std::string_view base) {
  if (base.empty()) return false;
  if (EqualsIgnoringAsciiCase(name, base)) return true;
  return name.size() > base.size() + 1 &&
         name[name.size() - base.size() - 1] == '.' &&
         EqualsIgnoringAsciiCase(name.substr(name.size() - base.size()), base);
}

// "http://fanlab:4566/x" -> "fanlab:4566"; "" when not http(s).
std::string_view UrlAuthority(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.size() > scheme.size() &&
        EqualsIgnoringAsciiCase(url.substr(0, scheme.size()), scheme)) {
      url.remove_prefix(scheme.size());
      return url.substr(0, url.find_first_of("/?#"));
    }
  }
  return "";
}

// A JSON string literal of `text`.
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", u);
      out += esc;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

bool IsServedHost(std::string_view host,
                  const std::vector<std::string>& hostnames) {
  std::string_view name = HostName(host);
  std::string_view port = host.substr(name.size());
  if (!port.empty()) {
    if (port.size() < 2 || port[0] != ':' ||
        port.find_first_not_of("0123456789", 1) != std::string_view::npos) {
      return false;
    }
  }
  if (name.ends_with('.')) name.remove_suffix(1);
  if (name.empty()) return false;
  if (name == "[::1]" || NameOrSubdomain(name, "localhost")) return true;
  in_addr ip{};
  if (inet_pton(AF_INET, std::string(name).c_str(), &ip) == 1) {
    return (ntohl(ip.s_addr) >> 24) == 127;
  }
  for (const std::string& served : hostnames) {
    std::string_view base = served;
    if (base.ends_with('.')) base.remove_suffix(1);
    if (NameOrSubdomain(name, base)) return true;
  }
  return false;
}

bool IsServedOrigin(std::string_view origin,
                    const std::vector<std::string>& hostnames) {
  std::string_view authority = UrlAuthority(origin);
  // An origin is scheme://host[:port], nothing after.
  if (authority.empty() ||
      origin.size() != origin.find("//") + 2 + authority.size()) {
    return false;
  }
  return IsServedHost(authority, hostnames);
}

std::optional<SigV4Scope> ParseSigV4(const HttpRequest& request) {
  if (const std::string* auth = FindHeader(request.headers, "Authorization")) {
    std::string_view a = *auth;
    if (!a.starts_with("AWS4-HMAC-SHA256")) return std::nullopt;
    size_t at = a.find("Credential=");
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view credential = a.substr(at + 11);
    credential = credential.substr(0, credential.find_first_of(", "));
    return ParseCredential(credential);
  }
  if (request.query.find("X-Amz-Credential=") == std::string::npos) {
    return std::nullopt;
  }
  for (const auto& [k, v] : services::ParseQuery(request.query)) {
    if (k == "X-Amz-Credential") return ParseCredential(v);
  }
  return std::nullopt;
}

std::string VirtualHostBucket(std::string_view host) {
  std::string_view name = HostName(host);
  for (std::string_view suffix : {".s3.localhost", ".localhost"}) {
    if (name.size() > suffix.size() &&
        EqualsIgnoringAsciiCase(name.substr(name.size() - suffix.size()),
                                suffix)) {
      return std::string(name.substr(0, name.size() - suffix.size()));
    }
  }
  // BUCKET.s3.REGION.amazonaws.com-style names pointed at the emulator.
  if (size_t s3 = name.find(".s3."); s3 != std::string_view::npos && s3 > 0) {
    return std::string(name.substr(0, s3));
  }
  return "";
}

HttpFront::HttpFront(ApiHandler api, services::RouteService* routes,
                     services::SinkService* sinks, std::string advertised_url)
    : HttpFront(std::move(api), routes, sinks,
                HttpFrontOptions{.advertised_url = std::move(advertised_url)}) {
}

HttpFront::HttpFront(ApiHandler api, services::RouteService* routes,
                     services::SinkService* sinks, HttpFrontOptions options)
    : api_(std::move(api)),
      routes_(routes),
      sinks_(sinks),
      advertised_url_(std::move(options.advertised_url)),
      hostnames_(std::move(options.hostnames)),
      auth_token_(std::move(options.auth_token)),
      also_accept_(std::move(options.also_accept)) {
  while (advertised_url_.ends_with('/')) advertised_url_.pop_back();
  std::string_view advertised = HostName(UrlAuthority(advertised_url_));
  if (!advertised.empty()) hostnames_.emplace_back(advertised);
}

std::optional<HttpResponse> HttpFront::Refusal(
    const HttpRequest& request, const std::string* host,
    const std::optional<SigV4Scope>& scope, Protocol protocol) {
  int status = 403;
  std::string code, message;
  const std::string* origin = FindHeader(request.headers, "Origin");
  const std::string* site = FindHeader(request.headers, "Sec-Fetch-Site");
  // No Host at all is no browser's request (they always send one).
  if (host != nullptr && !IsServedHost(*host, hostnames_)) {
    code = "AccessDenied";
    message = "Host '" + *host +
              "' is not served: use localhost, 127.0.0.1 or [::1], or give "
              "the name to fanlab serve --hostname.";
  } else if (origin != nullptr && !IsServedOrigin(*origin, hostnames_)) {
    code = "AccessDenied";
    message = "Cross-origin requests are refused (Origin '" + *origin + "').";
  } else if (site != nullptr && EqualsIgnoringAsciiCase(*site, "cross-site")) {
    code = "AccessDenied";
    message = "Cross-site requests are refused (Sec-Fetch-Site: cross-site).";
  } else if (!auth_token_.empty() && protocol != Protocol::kOther &&
             !(scope &&
               (scope->access_key_id == auth_token_ ||
                (also_accept_ && also_accept_(scope->access_key_id))))) {
    message = "The security token included in the request is invalid.";
    switch (protocol) {
      case Protocol::kQuery:
        code = "InvalidClientTokenId";
        break;
      case Protocol::kRestXml:
        code = "InvalidAccessKeyId";
        message =
            "The AWS Access Key Id you provided does not exist in our "
            "records.";
        break;
      default:
        code = "UnrecognizedClientException";
        status = protocol == Protocol::kJson ? 400 : 403;
        break;
    }
  } else {
    return std::nullopt;
  }
  HttpResponse out;
  out.status = status;
  switch (protocol) {
    case Protocol::kJson: {
      const std::string* target = FindHeader(request.headers, "X-Amz-Target");
      if (code == "AccessDenied") code = "AccessDeniedException";
      out.headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
      if (target != nullptr && target->starts_with("AmazonSQS.")) {
        out.headers.push_back({"x-amzn-query-error", code + ";Sender"});
      }
      out.body = "{\"__type\":\"com.amazon.coral.service#" + code +
                 "\",\"message\":" + JsonString(message) + "}";
      break;
    }
    case Protocol::kQuery:
      out.headers.push_back({"Content-Type", "text/xml"});
      out.body = "<ErrorResponse><Error><Type>Sender</Type><Code>" + code +
                 "</Code><Message>" + api::XmlEscape(message) +
                 "</Message></Error><RequestId>" + NextRequestId() +
                 "</RequestId></ErrorResponse>";
      break;
    case Protocol::kRestJson:
      if (code == "AccessDenied") code = "AccessDeniedException";
      out.headers.push_back({"Content-Type", "application/json"});
      out.headers.push_back({"x-amzn-ErrorType", code});
      out.body = "{\"Type\":\"User\",\"message\":" + JsonString(message) + "}";
      break;
    case Protocol::kRestXml:
      out.headers.push_back({"Content-Type", "application/xml"});
      out.body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" +
                 code + "</Code><Message>" + api::XmlEscape(message) +
                 "</Message><RequestId>" + NextRequestId() +
                 "</RequestId></Error>";
      break;
    case Protocol::kOther:
      out.headers.push_back({"Content-Type", "application/json"});
      out.body = "{\"message\":" + JsonString(message) + "}";
      break;
  }
  return out;
}

std::string HttpFront::NextRequestId() {
  char id[40];
  std::snprintf(id, sizeof id, "fa41ab00-0000-4000-8000-%012llx",
                static_cast<unsigned long long>(++requests_));
  return id;
}

void HttpFront::Handle(HttpRequest request, Respond respond) {
  std::optional<SigV4Scope> scope = ParseSigV4(request);
  const std::string* host = FindHeader(request.headers, "Host");

  Protocol protocol = Protocol::kOther;
  std::string bucket;
  if (FindHeader(request.headers, "X-Amz-Target") != nullptr &&
      request.method == "POST") {
    protocol = Protocol::kJson;
  } else if (host != nullptr && !(bucket = VirtualHostBucket(*host)).empty()) {
    protocol = Protocol::kRestXml;
  } else if ((request.method == "POST" && IsForm(request) &&
              (request.body.starts_with("Action=") ||
               request.body.find("&Action=") != std::string::npos)) ||
             (request.method == "GET" &&
              (request.query.starts_with("Action=") ||
               request.query.find("&Action=") != std::string::npos))) {
    protocol = Protocol::kQuery;
  } else if (scope && scope->service == "lambda") {
    protocol = Protocol::kRestJson;
  } else if (scope && scope->service == "s3") {
    protocol = Protocol::kRestXml;
  }
  if (auto refused = Refusal(request, host, scope, protocol)) {
    return respond(std::move(*refused));
  }

  api::ApiRequest call;
  if (scope) call.access_key_id = scope->access_key_id;
  if (!advertised_url_.empty()) {
    call.endpoint = advertised_url_;
  } else if (host != nullptr && !host->empty()) {
    call.endpoint = "http://" + *host;
  }
  switch (protocol) {
    case Protocol::kJson:
      return Json(std::move(request), std::move(call), std::move(respond));
    case Protocol::kRestXml:
      return RestXml(request, std::move(bucket), std::move(call),
                     std::move(respond));
    case Protocol::kQuery:
      return Query(request, std::move(call), scope, std::move(respond));
    case Protocol::kRestJson:
      return RestJson(request, std::move(call), std::move(respond));
    case Protocol::kOther:
      break;
  }
  if (services::SinkService::IsSinkPath(request.path)) {
    if (sinks_ == nullptr) {
      return respond(services::GatewayResponse(404, "No sinks here.", ""));
    }
    return respond(sinks_->Handle(request));
  }
  if (routes_ == nullptr) {
    return respond(
        services::GatewayResponse(403, "Missing Authentication Token",
                                  "MissingAuthenticationTokenException"));
  }
  routes_->Handle(request, std::move(respond));
}

void HttpFront::Json(HttpRequest&& request, api::ApiRequest call,
                     Respond respond) {
  const std::string& target = *FindHeader(request.headers, "X-Amz-Target");
  // The SQS JSON protocol marks errors for the query-protocol codes older
  // SDKs still read; the other services do not.
  bool sqs = target.starts_with("AmazonSQS.");
  // The JSON version of the service the target names (EventBridge: 1.1).
  static const std::string kJson10 = "application/x-amz-json-1.0";
  const std::string* content_type = &kJson10;
  if (target.starts_with("AWSEvents.")) {
    static const std::string kEvents =
        "application/x-amz-json-" +
        api::ServiceModel::Get("events").json_version();
    content_type = &kEvents;
  }
  call.action = target;
  call.body = std::move(request.body);  // the front's own: no copy
  api_(std::move(call),
       [respond = std::move(respond), sqs, content_type](api::ApiResponse r) {
         HttpResponse out;
         out.status = r.ok ? 200 : r.http_status;
         out.headers.push_back({"Content-Type", *content_type});
         if (!r.ok && sqs && !r.query_error.empty()) {
           out.headers.push_back({"x-amzn-query-error", r.query_error});
         }
         out.body = std::move(r.body);
         respond(std::move(out));
       });
}

void HttpFront::Query(const HttpRequest& request, api::ApiRequest call,
                      const std::optional<SigV4Scope>& scope, Respond respond) {
  std::string id = NextRequestId();
  // Until the service is known, errors speak SQS's query dialect.
  const api::ServiceModel* model = &api::ServiceModel::Get("sqs-query");
  auto fail = [&](const Status& status) {
    api::ApiResponse r = api::ErrorResponse(status);
    HttpResponse out;
    out.status = status.code() == common::kUnknownOperationException
                     ? 400
                     : r.http_status;
    out.headers.push_back({"Content-Type", "text/xml"});
    out.body = api::QueryError(*model, r, id);
    respond(std::move(out));
  };
  auto form =
      api::ParseForm(request.method == "GET" ? request.query : request.body);
  if (!form.ok()) return fail(form.status());
  std::string action = (*form)["Action"];
  api::ApiService service = api::ApiService::kSqs;
  const api::ServiceModel& sqs = api::ServiceModel::Get("sqs-query");
  const api::ServiceModel& sns = api::ServiceModel::Get("sns");
  if (scope && scope->service == "sns") {
    service = api::ApiService::kSns;
  } else if (!(scope && scope->service == "sqs") &&
             sqs.FindOperation(action) == nullptr &&
             sns.FindOperation(action) != nullptr) {
    service = api::ApiService::kSns;
  }
  model = service == api::ApiService::kSns ? &sns : &sqs;
  const api::Operation* op = model->FindOperation(action);
  if (op == nullptr) {
    return fail(Status(common::kUnknownOperationException,
                       "Could not find operation " + action + " for " +
                           std::string(api::ServiceName(service)) + "."));
  }
  auto json = api::QueryToJson(*op, *form);
  if (!json.ok()) return fail(json.status());
  call.service = service;
  call.action = action;
  call.body = std::move(*json);
  api_(std::move(call),
       [respond = std::move(respond), model, op, id](api::ApiResponse r) {
         HttpResponse out;
         out.headers.push_back({"Content-Type", "text/xml"});
         if (r.ok) {
           out.body = api::QueryResponse(*model, *op, r.body, id);
         } else {
           out.status = r.http_status;
           out.body = api::QueryError(*model, r, id);
         }
         respond(std::move(out));
       });
}

void HttpFront::RestJson(const HttpRequest& request, api::ApiRequest call,
                         Respond respond) {
  const api::ServiceModel& model = api::ServiceModel::Get("lambda");
  auto rest = api::RestJsonRequest(model, request);
  if (!rest.ok()) {
    api::ApiResponse r =
        api::ErrorResponse(rest.status(), api::ApiService::kLambda);
    if (rest.status().code() == common::kUnknownOperationException) {
      r.http_status = 404;
    }
    return respond(api::RestJsonError(r));
  }
  call.service = api::ApiService::kLambda;
  call.action = rest->operation->name;
  call.body = std::move(rest->json);
  api_(std::move(call),
       [respond = std::move(respond), op = rest->operation](
           api::ApiResponse r) { respond(api::RestJsonResponse(*op, r)); });
}

void HttpFront::RestXml(const HttpRequest& request, std::string bucket,
                        api::ApiRequest call, Respond respond) {
  const api::ServiceModel& model = api::ServiceModel::Get("s3");
  std::string id = NextRequestId();
  auto rest = api::RestXmlRequest(model, request, bucket);
  if (!rest.ok()) {
    api::ApiResponse r =
        api::ErrorResponse(rest.status(), api::ApiService::kS3);
    return respond(api::RestXmlError(r, request.method, "{}", id));
  }
  call.service = api::ApiService::kS3;
  call.action = rest->operation->name;
  call.body = rest->json;
  api_(std::move(call),
       [respond = std::move(respond), &model, op = rest->operation,
        json = std::move(rest->json), id](api::ApiResponse r) {
         respond(api::RestXmlResponse(model, *op, r, json, id));
       });
}

}  // namespace fanlab::transport
