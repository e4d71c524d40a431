#include "emulator/api/dispatcher.h"

#include <exception>
#include <map>

#include "emulator/api/handlers.h"
#include "emulator/api/sqs_json.h"
#include "emulator/core/json_writer.h"
#include "emulator/queue/queue_service.h"

namespace fanlab::api {
using namespace fanlab::queue;

namespace {

template <typename T>
ApiResponse Respond(const Result<T>& r) {
  return r.ok() ? ApiResponse{true, WriteShape(*r)} : ErrorResponse(r.status());
}

// An action answered at once: read the request, call the service, write
// its response (or the error).
template <typename Request, typename Response>
Handler Simple(Result<Response> (QueueService::*call)(const Request&)) {
  return [call](Services& s, std::string_view body, ApiCallback& done) {
    Result<Request> req = ParseShape<Request>(body);
    if (!req.ok()) return done(ErrorResponse(req.status()));
    done(Respond((s.sqs.*call)(*req)));
  };
}

// ReceiveMessage may answer later, from a parked long poll.
void Receive(Services& s, std::string_view body, ApiCallback& done) {
  Result<ReceiveMessageRequest> req = ParseShape<ReceiveMessageRequest>(body);
  if (!req.ok()) return done(ErrorResponse(req.status()));
  s.sqs.ReceiveMessage(
      *req, [done = std::move(done)](Result<ReceiveMessageResponse> result) {
        done(Respond(result));
      });
}

const HandlerMap& Handlers() {
  using S = QueueService;
  static const HandlerMap handlers = [] {
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
    HandlerMap map;
    for (auto& [name, handler] : sqs) {
      map[name] = Action{ApiService::kSqs, std::move(handler)};
    }
    AddLambdaActions(map);
    AddBucketActions(map);
    AddTableActions(map);
    AddTopicActions(map);
    AddScheduleActions(map);
    AddHttpActions(map);
    return map;
  }();
  return handlers;
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

// The HTTP status of an error as each service answers it.
int HttpStatus(ErrorCode code, ApiService service) {
  if (!IsSenderFault(code)) return 500;
  switch (service) {
    case ApiService::kDynamoDb:
    case ApiService::kEvents:
      return 400;  // both answer every client error with 400
    case ApiService::kS3:
      if (code == ErrorCode::kNoSuchBucket || code == ErrorCode::kNoSuchKey) {
        return 404;
      }
      if (code == ErrorCode::kBucketAlreadyOwnedByYou ||
          code == ErrorCode::kBucketNotEmpty) {
        return 409;
      }
      if (code == ErrorCode::kInvalidRange) return 416;
      return 400;
    case ApiService::kSns:
      return code == ErrorCode::kNotFoundException ? 404 : 400;
    default:
      break;
  }
  switch (code) {
    case ErrorCode::kResourceNotFoundException:
      return 404;
    case ErrorCode::kResourceConflictException:
      return 409;
    case ErrorCode::kRequestTooLargeException:
      return 413;
    case ErrorCode::kTooManyRequestsException:
      return 429;
    default:
      return 400;
  }
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
  out.code = status.code();
  bool sender = IsSenderFault(status.code());
  bool protocol = status.code() == ErrorCode::kSerializationException ||
                  status.code() == ErrorCode::kUnknownOperationException;
  if (service == ApiService::kSqs || protocol) {
    out.body = WriteError(status);
  } else {
    std::string name(status.name());
    // SNS spells SQS's batch errors with an Exception suffix.
    if (service == ApiService::kSns && !name.ends_with("Exception")) {
      name += "Exception";
    }
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
  out.query_error =
      std::string(WireCode(status.code())) + (sender ? ";Sender" : ";Receiver");
  return out;
}

std::vector<std::string> Dispatcher::Actions() const {
  std::vector<std::string> out;
  for (const auto& [name, a] : Handlers()) {
    if (services_.Serves(a.service)) out.push_back(name);
  }
  return out;
}

void Dispatcher::Dispatch(std::string_view action, std::string_view body,
                          ApiCallback done) {
  // The X-Amz-Target form: "AmazonSQS.SendMessage",
  // "DynamoDB_20120810.PutItem", ...
  if (size_t dot = action.rfind('.'); dot != std::string_view::npos) {
    action.remove_prefix(dot + 1);
  }
  auto it = Handlers().find(action);
  if (it == Handlers().end() || !services_.Serves(it->second.service)) {
    return done(ErrorResponse(Status(
        ErrorCode::kUnknownOperationException,
        it == Handlers().end()
            ? "Unknown action '" + std::string(action) + "'."
            : "This engine does not serve '" + std::string(action) + "'.")));
  }
  Services services = services_;
  // A backstop: handlers turn every expected failure into a Status, but a
  // library throwing on input nobody foresaw must not end the engine.
  // Handlers answer last, so an exception means `done` has not run (a
  // long poll that parked it has moved it away: it is empty then).
  try {
    it->second.handler(services, body, done);
  } catch (const std::exception& e) {
    if (done) {
      done(ErrorResponse(Status(ErrorCode::kInternalError,
                                "The engine failed on this request (" +
                                    std::string(action) + "): " + e.what())));
    }
  }
}

}  // namespace fanlab::api
