#include "emulator/api/dispatcher.h"

#include <exception>
#include <map>

#include "emulator/api/errors.h"
#include "emulator/api/handlers.h"
#include "emulator/api/sqs_json.h"
#include "emulator/core/common_errors.h"
#include "emulator/core/json_writer.h"
#include "emulator/queue/queue_service.h"

namespace fanlab::api {
using namespace fanlab::queue;

namespace {

// A queue URL with its scheme and host replaced by `endpoint` (the one the
// client used); unchanged when `endpoint` is empty.
void Rebase(std::string& url, const std::string& endpoint) {
  if (endpoint.empty()) return;
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return;
  size_t path = url.find('/', scheme + 3);
  url = endpoint + (path == std::string::npos ? "" : url.substr(path));
}
template <typename T>
void RebaseUrls(T&, const std::string&) {}
void RebaseUrls(CreateQueueResponse& r, const std::string& e) {
  Rebase(r.queue_url, e);
}
void RebaseUrls(GetQueueUrlResponse& r, const std::string& e) {
  Rebase(r.queue_url, e);
}
void RebaseUrls(ListQueuesResponse& r, const std::string& e) {
  for (auto& url : r.queue_urls) Rebase(url, e);
}
void RebaseUrls(ListDeadLetterSourceQueuesResponse& r, const std::string& e) {
  for (auto& url : r.queue_urls) Rebase(url, e);
}

template <typename T>
ApiResponse Respond(Result<T> r, const std::string& endpoint) {
  if (!r.ok()) return SqsError(r.status());
  RebaseUrls(*r, endpoint);
  return Ok(WriteShape(*r));
}

// An action answered at once: read the request, call the service, write
// its response (or the error).
template <typename Request, typename Response>
Handler Simple(Result<Response> (QueueService::*call)(const Request&)) {
  return [call](CallContext& c, std::string_view body, ApiCallback& done) {
    Result<Request> req = ParseShape<Request>(body);
    if (!req.ok()) return done(SqsError(req.status()));
    done(Respond((c.services.sqs.*call)(*req), c.request.endpoint));
  };
}

// ReceiveMessage may answer later, from a parked long poll.
void Receive(CallContext& c, std::string_view body, ApiCallback& done) {
  Result<ReceiveMessageRequest> req = ParseShape<ReceiveMessageRequest>(body);
  if (!req.ok()) return done(SqsError(req.status()));
  c.services.sqs.ReceiveMessage(
      *req, [done = std::move(done)](Result<ReceiveMessageResponse> result) {
        done(Respond(std::move(result), ""));
      });
}

void AddQueueActions(Registry& registry) {
  using S = QueueService;
  std::pair<const char*, Handler> sqs[] = {
      {"CreateQueue", Simple(&S::CreateQueue)},
      {"GetQueueUrl", Simple(&S::GetQueueUrl)},
      {"ListQueues", Simple(&S::ListQueues)},
      {"DeleteQueue", Simple(&S::DeleteQueue)},
      {"PurgeQueue", Simple(&S::PurgeQueue)},
      {"GetQueueAttributes", Simple(&S::GetQueueAttributes)},
      {"SetQueueAttributes", Simple(&S::SetQueueAttributes)},
      {"SendMessage", Simple(&S::SendMessage)},
      {"SendMessageBatch", Simple(&S::SendMessageBatch)},
      {"ReceiveMessage", Receive},
      {"DeleteMessage", Simple(&S::DeleteMessage)},
      {"DeleteMessageBatch", Simple(&S::DeleteMessageBatch)},
      {"ChangeMessageVisibility", Simple(&S::ChangeMessageVisibility)},
      {"ChangeMessageVisibilityBatch",
       Simple(&S::ChangeMessageVisibilityBatch)},
      {"TagQueue", Simple(&S::TagQueue)},
      {"UntagQueue", Simple(&S::UntagQueue)},
      {"ListQueueTags", Simple(&S::ListQueueTags)},
      {"ListDeadLetterSourceQueues", Simple(&S::ListDeadLetterSourceQueues)},
  };
  for (auto& [name, handler] : sqs) {
    registry.Add(ApiService::kSqs, name, std::move(handler));
  }
}

const Registry& Handlers() {
  static const Registry registry = [] {
    Registry r;
    AddQueueActions(r);
    AddLambdaActions(r);
    AddBucketActions(r);
    AddTableActions(r);
    AddTopicActions(r);
    AddScheduleActions(r);
    AddHttpActions(r);
    return r;
  }();
  return registry;
}

constexpr std::pair<ApiService, std::string_view> kServiceNames[] = {
    {ApiService::kSqs, "sqs"},   {ApiService::kLambda, "lambda"},
    {ApiService::kS3, "s3"},     {ApiService::kDynamoDb, "dynamodb"},
    {ApiService::kSns, "sns"},   {ApiService::kEvents, "events"},
    {ApiService::kHttp, "http"},
};

// The X-Amz-Target prefixes that name a service.
std::optional<ApiService> ServiceFromTarget(std::string_view prefix) {
  if (prefix == "AmazonSQS") return ApiService::kSqs;
  if (prefix.starts_with("DynamoDB_")) return ApiService::kDynamoDb;
  if (prefix == "AWSEvents") return ApiService::kEvents;
  return std::nullopt;
}

std::string_view Namespace(ApiService service) {
  switch (service) {
    case ApiService::kSqs:
      return "com.amazonaws.sqs#";
    case ApiService::kLambda:
      return "com.amazonaws.lambda#";
    case ApiService::kS3:
      return "com.amazonaws.s3#";
    case ApiService::kDynamoDb:
      return "com.amazonaws.dynamodb.v20120810#";
    case ApiService::kSns:
      return "com.amazonaws.sns#";
    case ApiService::kEvents:
      return "com.amazonaws.events#";
    case ApiService::kHttp:
      return "com.fanlab.http#";
  }
  return "com.amazonaws.sqs#";
}

// The HTTP status of an error as `service` answers it: the one its kind
// declares, except that DynamoDB and EventBridge answer every client error
// with 400 (also one that another service declared, passed on).
int HttpStatus(ErrorCode code, ApiService service) {
  if (code.sender_fault() &&
      (service == ApiService::kDynamoDb || service == ApiService::kEvents)) {
    return 400;
  }
  return code.http_status();
}

}  // namespace

bool Services::Serves(ApiService service) const {
  switch (service) {
    case ApiService::kSqs:
      return true;
    case ApiService::kLambda:
      return functions != nullptr;
    case ApiService::kS3:
      return buckets != nullptr;
    case ApiService::kDynamoDb:
      return tables != nullptr;
    case ApiService::kSns:
      return topics != nullptr;
    case ApiService::kEvents:
      return schedules != nullptr;
    case ApiService::kHttp:
      return routes != nullptr && sinks != nullptr;
  }
  return false;
}

ApiResponse ErrorResponse(const Status& status, ApiService service) {
  ApiResponse out;
  out.ok = false;
  out.service = service;
  out.code = status.code();
  bool sender = status.code().sender_fault();
  bool protocol = status.code() == common::kSerializationException ||
                  status.code() == common::kUnknownOperationException;
  std::string name(status.name());
  // SNS spells SQS's batch errors with an Exception suffix.
  if (service == ApiService::kSns && !protocol &&
      !name.ends_with("Exception")) {
    name += "Exception";
  }
  out.error_type = name;
  if (service == ApiService::kSqs || protocol) {
    out.body = WriteError(status);
  } else {
    JsonWriter w;
    w.BeginObject()
        .Key("__type")
        .String(std::string(Namespace(service)) + name)
        .Key("message")
        .String(status.message())
        .EndObject();
    out.body = w.Take();
  }
  out.http_status = HttpStatus(status.code(), service);
  out.query_error = std::string(status.code().query_code()) +
                    (sender ? ";Sender" : ";Receiver");
  return out;
}

std::string_view ServiceName(ApiService service) {
  for (const auto& [s, name] : kServiceNames) {
    if (s == service) return name;
  }
  return "sqs";
}

std::optional<ApiService> ServiceFromName(std::string_view name) {
  for (const auto& [s, n] : kServiceNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

std::vector<std::string> Dispatcher::Actions() const {
  std::vector<std::string> out;
  for (const auto& [key, h] : Handlers().all()) {
    if (!services_.Serves(key.first)) continue;
    size_t served = 0;
    for (ApiService s : Handlers().ServicesOf(key.second)) {
      served += services_.Serves(s) ? 1 : 0;
    }
    out.push_back(served > 1
                      ? std::string(ServiceName(key.first)) + ":" + key.second
                      : key.second);
  }
  return out;
}

std::vector<std::string> Dispatcher::Actions(ApiService service) const {
  std::vector<std::string> out;
  if (!services_.Serves(service)) return out;
  for (const auto& [key, h] : Handlers().all()) {
    if (key.first == service) out.push_back(key.second);
  }
  return out;
}

void Dispatcher::Dispatch(std::string_view action, std::string_view body,
                          ApiCallback done) {
  ApiRequest request;
  request.action = action;
  request.body = body;
  Dispatch(std::move(request), std::move(done));
}

void Dispatcher::Dispatch(ApiRequest request, ApiCallback done) {
  std::string_view action = request.action;
  std::optional<ApiService> service = request.service;
  // "sns:Publish", or the X-Amz-Target form: "AmazonSQS.SendMessage",
  // "DynamoDB_20120810.PutItem", ...
  if (size_t colon = action.find(':'); colon != std::string_view::npos) {
    service = ServiceFromName(action.substr(0, colon));
    if (!service) {
      return done(ErrorResponse(
          Status(common::kUnknownOperationException,
                 "Unknown service '" + std::string(action.substr(0, colon)) +
                     "' in action '" + std::string(action) + "'.")));
    }
    action.remove_prefix(colon + 1);
  } else if (size_t dot = action.rfind('.'); dot != std::string_view::npos) {
    if (!service) service = ServiceFromTarget(action.substr(0, dot));
    action.remove_prefix(dot + 1);
  }
  const Handler* handler = nullptr;
  if (service) {
    if (services_.Serves(*service)) handler = Handlers().Find(*service, action);
  } else {
    std::vector<ApiService> owners;
    for (ApiService s : Handlers().ServicesOf(action)) {
      if (services_.Serves(s)) owners.push_back(s);
    }
    if (owners.size() > 1) {
      return done(ErrorResponse(
          Status(common::kUnknownOperationException,
                 "Action '" + std::string(action) +
                     "' belongs to several services: qualify it, as in '" +
                     std::string(ServiceName(owners[0])) + ":" +
                     std::string(action) + "'.")));
    }
    if (owners.size() == 1) {
      service = owners[0];
      handler = Handlers().Find(*service, action);
    }
  }
  if (handler == nullptr && service && services_.Serves(*service)) {
    return done(ErrorResponse(
        Status(common::kUnknownOperationException,
               "Unknown action '" + std::string(action) + "' for " +
                   std::string(ServiceName(*service)) + ".")));
  }
  if (handler == nullptr) {
    bool known = !Handlers().ServicesOf(action).empty();
    return done(ErrorResponse(Status(
        common::kUnknownOperationException,
        known ? "This engine does not serve '" + std::string(action) + "'."
              : "Unknown action '" + std::string(action) + "'.")));
  }
  // Every answer names the service that gave it.
  ApiCallback answer = [done = std::move(done),
                        s = *service](ApiResponse r) mutable {
    r.service = s;
    done(std::move(r));
  };
  std::string name(action);
  Services services = services_;
  CallContext context{services, request};
  // A backstop: handlers turn every expected failure into a Status, but a
  // library throwing on input nobody foresaw must not end the engine.
  // Handlers answer last, so an exception means `answer` has not run (a
  // long poll that parked it has moved it away: it is empty then).
  try {
    (*handler)(context, request.body, answer);
  } catch (const std::exception& e) {
    if (answer) {
      answer(ErrorResponse(Status(
          common::kInternalError,
          "The engine failed on this request (" + name + "): " + e.what())));
    }
  }
}

}  // namespace fanlab::api
