#include "emulator/transport/http_front.h"

#include "emulator/services/route_service.h"
#include "emulator/services/sink_service.h"

namespace fanlab::transport {

HttpFront::HttpFront(ApiHandler api, services::RouteService* routes,
                     services::SinkService* sinks)
    : api_(std::move(api)), routes_(routes), sinks_(sinks) {}

void HttpFront::Handle(services::HttpRequest request, Respond respond) {
  const std::string* target =
      services::FindHeader(request.headers, "X-Amz-Target");
  if (target != nullptr && request.method == "POST") {
    // The SQS JSON protocol marks errors for the query-protocol codes
    // older SDKs still read; the other services do not.
    bool sqs = target->starts_with("AmazonSQS.");
    std::string action = *target;
    api_(
        action, request.body,
        [respond = std::move(respond), sqs](api::ApiResponse r) {
          services::HttpResponse out;
          out.status = r.ok ? 200 : r.http_status;
          out.headers.push_back({"Content-Type", "application/x-amz-json-1.0"});
          if (!r.ok && sqs && !r.query_error.empty()) {
            out.headers.push_back({"x-amzn-query-error", r.query_error});
          }
          out.body = std::move(r.body);
          respond(std::move(out));
        });
    return;
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

}  // namespace fanlab::transport
