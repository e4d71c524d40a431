// The engine's side of faults (emulator/sim/fault_injector.h): what a
// fault decided for an API call, done. Invocation starts and queue
// deliveries are consulted by FunctionService and QueueService themselves.
#include <boost/json.hpp>

#include "emulator/core/common_errors.h"
#include "emulator/engine.h"
#include "emulator/services/route_service.h"
#include "emulator/services/sink_service.h"
#include "emulator/transport/http_front.h"

namespace fanlab {

namespace json = boost::json;

namespace {

// "SendMessage" from "sqs:SendMessage" or "AmazonSQS.SendMessage".
std::string_view BareAction(std::string_view action) {
  if (size_t colon = action.find(':'); colon != std::string_view::npos) {
    return action.substr(colon + 1);
  }
  if (size_t dot = action.rfind('.'); dot != std::string_view::npos) {
    return action.substr(dot + 1);
  }
  return action;
}

std::string_view AfterLast(std::string_view s, char c) {
  size_t at = s.rfind(c);
  return at == std::string_view::npos ? s : s.substr(at + 1);
}

// The resource a request names: a queue, function, topic, table, bucket
// or rule name ("" when it names none).
std::string ResourceOf(const json::object& body) {
  auto text = [&](std::string_view key) -> std::string_view {
    const json::value* v = body.if_contains(key);
    return v != nullptr && v->is_string() ? std::string_view(v->get_string())
                                          : std::string_view();
  };
  if (auto url = text("QueueUrl"); !url.empty()) {
    return std::string(AfterLast(url, '/'));
  }
  if (auto name = text("FunctionName"); !name.empty()) {
    // A name, a partial or full ARN, maybe with a :qualifier.
    if (size_t at = name.find("function:"); at != std::string_view::npos) {
      name = name.substr(at + 9);
      name = name.substr(0, name.find(':'));
    }
    return std::string(name);
  }
  for (std::string_view key : {"TopicArn", "TargetArn", "EventSourceArn"}) {
    if (auto arn = text(key); !arn.empty()) {
      return std::string(AfterLast(arn, ':'));
    }
  }
  for (std::string_view key : {"QueueName", "TableName", "Bucket", "Name"}) {
    if (auto name = text(key); !name.empty()) return std::string(name);
  }
  return "";
}

}  // namespace

void Engine::SetFaults(sim::FaultInjector* faults) {
  faults_ = faults;
  functions_->SetFaults(faults);
  sqs_->SetFaults(faults);
  topics_->SetFaults(faults);
}

bool Engine::InjectHttpFault(
    const std::shared_ptr<services::HttpRequest>& request,
    const std::function<void(services::HttpResponse)>& respond) {
  sim::HttpSite site{.method = request->method, .path = request->path};
  std::string resource;
  if (services::SinkService::IsSinkPath(request->path)) {
    std::string_view rest =
        std::string_view(request->path).substr(services::kSinkPrefix.size());
    resource = std::string(rest.substr(0, rest.find('/')));
    site.target = sim::HttpSite::Target::kSink;
  } else if (std::optional<services::RouteMatch> match =
                 routes_->Match(request->method, request->path)) {
    resource = match->route->path;
    site.target = sim::HttpSite::Target::kRoute;
  } else {
    return false;  // an AWS API call, or nothing served there
  }
  site.resource = resource;
  sim::HttpFault fault = faults_->OnHttpRequest(site);
  switch (fault.act) {
    case sim::HttpFault::Act::kNone:
      return false;
    case sim::HttpFault::Act::kDown:
      // As a load balancer answers for a service with nothing behind it:
      // the route's function or the sink never sees the request.
      respond(services::GatewayResponse(503, "Service Unavailable", ""));
      return true;
    case sim::HttpFault::Act::kSlow:
      clock_->ScheduleAfter(fault.delay, [this, request, respond] {
        http_front_->Handle(std::move(*request), respond);
      });
      return true;
  }
  return false;
}

bool Engine::InjectFault(api::ApiRequest& request, api::ApiCallback& done) {
  const std::string action(BareAction(request.action));
  boost::system::error_code ec;
  json::value parsed =
      json::parse(request.body.empty() ? "{}" : request.body, ec);
  const json::object empty;
  const json::object& body =
      !ec && parsed.is_object() ? parsed.as_object() : empty;
  const std::string resource = ResourceOf(body);
  const json::value* type = body.if_contains("InvocationType");
  const bool event_invoke = action == "Invoke" && type != nullptr &&
                            type->is_string() && type->get_string() == "Event";
  std::optional<compute::Caller> caller = caller_;
  sim::CallFault fault = faults_->OnCall(sim::CallSite{
      .action = action,
      .resource = resource,
      .function = caller ? std::string_view(caller->function) : "",
      .request_id = caller ? std::string_view(caller->request_id) : "",
      .event_invoke = event_invoke});

  using Act = sim::CallFault::Act;
  switch (fault.act) {
    case Act::kNone:
      return false;
    case Act::kFail: {
      // The error in the answering service's own shape: the dispatcher
      // builds an InternalError for that service, renamed.
      std::optional<api::ApiService> service = request.service;
      for (api::ApiService s :
           {api::ApiService::kSqs, api::ApiService::kLambda,
            api::ApiService::kS3, api::ApiService::kDynamoDb,
            api::ApiService::kSns, api::ApiService::kEvents}) {
        if (service) break;
        for (const std::string& a : dispatcher_->Actions(s)) {
          if (a == action) service = s;
        }
      }
      api::ApiResponse reply =
          api::ErrorResponse(Status(common::kInternalError, fault.message),
                             service.value_or(api::ApiService::kSqs));
      json::value error = json::parse(reply.body, ec);
      if (!ec && error.is_object()) {
        json::object& o = error.as_object();
        std::string ns;
        if (const json::value* t = o.if_contains("__type");
            t != nullptr && t->is_string()) {
          std::string_view old = t->get_string();
          ns = std::string(old.substr(0, old.find('#') + 1));
        }
        o["__type"] = ns + fault.error_type;
        reply.body = json::serialize(error);
      }
      reply.error_type = fault.error_type;
      reply.http_status = fault.http_status;
      reply.query_error = fault.error_type +
                          (fault.http_status < 500 ? ";Sender" : ";Receiver");
      done(std::move(reply));
      return true;
    }
    case Act::kCrash:
    case Act::kTimeout: {
      const bool timeout = fault.act == Act::kTimeout;
      const std::string id = caller->request_id;
      if (fault.when == sim::FaultSpec::When::kBefore) {
        functions_->KillInvocation(id, timeout);
        // The answer goes to a process already killed; nothing took
        // effect.
        done(api::ErrorResponse(Status(common::kInternalError,
                                       "The caller was crashed by a fault "
                                       "before the call.")));
        return true;
      }
      dispatcher_->Dispatch(
          std::move(request),
          [this, id, timeout, done = std::move(done)](api::ApiResponse reply) {
            // The call took effect; its caller dies before hearing so.
            functions_->KillInvocation(id, timeout);
            done(std::move(reply));
          });
      return true;
    }
    case Act::kDelay: {
      clock_->ScheduleAfter(
          fault.delay, [this, caller, request = std::move(request),
                        done = std::move(done)]() mutable {
            std::optional<compute::Caller> outer = std::move(caller_);
            caller_ = caller;
            dispatcher_->Dispatch(std::move(request), std::move(done));
            caller_ = std::move(outer);
          });
      return true;
    }
    case Act::kDuplicate: {
      api::ApiRequest copy = request;
      dispatcher_->Dispatch(std::move(request), std::move(done));
      dispatcher_->Dispatch(std::move(copy), [](api::ApiResponse) {});
      return true;
    }
    case Act::kDeleteQueue:
      if (!resource.empty()) {
        (void)sqs_->DeleteQueue(
            queue::DeleteQueueRequest{.queue_url = sqs_->QueueUrl(resource)});
      }
      return false;
  }
  return false;
}

}  // namespace fanlab
